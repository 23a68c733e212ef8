"""klik.synthetic: the deterministic national dataset (docs/synthetic.md)."""

from . import Dataset

def generate(seed: int = ..., scale: float = 1.0, municipalities: int = 98, participation: float = 0.92,
             local_task_share: float = 0.02, content: bool = True) -> Dataset:
    """A national world: the same options and seed give the same data."""
