import os
import pathlib

import pytest

import klik

SOURCE_DIR = pathlib.Path(os.environ.get("KLIK_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def source_dir() -> pathlib.Path:
    return SOURCE_DIR


@pytest.fixture(scope="session")
def small_world() -> "klik.Dataset":
    """Three municipalities, three projects: quick to make, enough variety."""
    return klik.synthetic.generate(municipalities=3, scale=0.25, local_task_share=0.05)
