"""Threads: every reader and writer of both stores, mixed, must never deadlock.

The bindings' rule (docs/thread-safety.md): never wait on a store lock while
holding the GIL, never take the GIL while holding a snapshot. A binding that
breaks it deadlocks against another thread within milliseconds, so eight
threads mixing every entry point for a few seconds find it. The mix runs in a
child process (_thread_mix.py) with a watchdog, so a deadlock fails the test
with every thread's stack instead of hanging CI.
"""

import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_threads_mixing_every_reader_and_writer_never_deadlock(kind, tmp_path):
    try:
        r = subprocess.run([sys.executable, "-X", "faulthandler", "-W", "error", str(HERE / "_thread_mix.py"), kind,
                            str(tmp_path)], capture_output=True, text=True, timeout=90, env=dict(os.environ))
    except subprocess.TimeoutExpired as e:  # the watchdog should have fired first
        pytest.fail(f"deadlock: no answer in 90 s\n{e.stderr}")
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr[-6000:]}"
    assert "calls:" in r.stdout
