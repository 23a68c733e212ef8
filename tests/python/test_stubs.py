"""The type stubs (bindings/python/klik/*.pyi) against the module itself, with mypy's
stubtest: every public name has a stub, and every stub names something real with the
same kind (class, method, property, read-only field). The allowlist holds only
pybind11's structural noise (bindings/python/stubtest-allowlist.txt), and an entry that
is no longer needed fails the test too."""
import os
import subprocess
import sys

from conftest import SOURCE_DIR


def test_stubtest_finds_nothing():
    allowlist = SOURCE_DIR / "bindings" / "python" / "stubtest-allowlist.txt"
    result = subprocess.run([sys.executable, "-m", "mypy.stubtest", "klik", "--allowlist", str(allowlist)],
                            capture_output=True, text=True, env=os.environ | {"MYPY_CACHE_DIR": os.devnull})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
