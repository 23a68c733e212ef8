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


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL server for the whole session (pg_cluster.py); fails when PostgreSQL is missing."""
    from pg_cluster import PgCluster

    with PgCluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster, request) -> str:
    """The URL of a fresh, empty database in the session's server, named after the test."""
    name = "py_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    pg_url.count = getattr(pg_url, "count", 0) + 1
    return pg_cluster.create_database(f"{name}_{pg_url.count}")
