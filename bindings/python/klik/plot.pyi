"""klik.plot: KLIK's views as matplotlib plots in the KLIK colours (docs/python.md)."""

from typing import Any, Optional, Sequence

COLOURS: dict[str, str]

def quick_status_by_municipality(store: Any, viewer: Any, project: int, today: Optional[Any] = None,
                                 ax: Any = None, top: Optional[int] = None) -> Any: ...
def colours_over_time(store: Any, viewer: Any, project: int, days: Sequence[Any], ax: Any = None) -> Any: ...
def what_if(simulation: Any, ax: Any = None, when: str = "today") -> Any: ...
