"""The Python package as people install it (pyproject.toml, setup.py): a wheel built
with `python3 -m build --wheel --no-isolation`, and `pip install --no-build-isolation .`,
each into a fresh venv, imported outside the source tree. Both reuse the build directory
of the module under test (KLIK_CMAKE_BUILD_DIR), so no second C++ build runs here."""
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import klik
from conftest import SOURCE_DIR

BUILD_DIR = pathlib.Path(klik.__file__).resolve().parents[2]  # build/python/klik/__init__.py -> build


def cmake_version() -> str:
    return re.search(r"project\(klik\s+VERSION\s+([0-9.]+)", (SOURCE_DIR / "CMakeLists.txt").read_text()).group(1)


def env() -> dict:
    # The venv's python must not see the build tree's klik through PYTHONPATH.
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"KLIK_CMAKE_BUILD_DIR": str(BUILD_DIR)}


def venv(path: pathlib.Path) -> pathlib.Path:
    # --system-site-packages: numpy (the one dependency) from Debian; this machine reaches no PyPI.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], check=True)
    return path / "bin" / "python"


def imported_from(python: pathlib.Path, cwd: pathlib.Path) -> tuple[str, str]:
    out = subprocess.run([str(python), "-c", "import klik; print(klik.__file__); print(klik.__version__); "
                          "assert len(klik.synthetic.generate(municipalities=1, scale=0.1).tasks) > 0"],
                         cwd=cwd, env=env(), capture_output=True, text=True, check=True).stdout.split()
    return out[0], out[1]


def test_wheel_installs_into_a_fresh_venv_and_imports_outside_the_tree(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(wheels), str(SOURCE_DIR)],
                   env=env(), check=True, capture_output=True)
    [wheel] = wheels.glob("klik-*.whl")
    version = cmake_version()
    assert wheel.name.startswith(f"klik-{version}-cp3")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"klik/__init__.py", "klik/__init__.pyi", "klik/py.typed"} <= set(names)
    assert any(re.fullmatch(r"klik/_klik\..*\.so", n) for n in names)
    assert any(n.endswith(".dist-info/LICENSE") for n in names)
    python = venv(tmp_path / "venv")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], env=env(),
                   check=True)
    where, got = imported_from(python, tmp_path)
    assert where.startswith(str(tmp_path / "venv")) and got == version == klik.__version__


def test_pip_install_from_the_source_tree(tmp_path):
    python = venv(tmp_path / "venv")
    subprocess.run([str(python), "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index", "-q",
                    str(SOURCE_DIR)], env=env(), check=True, capture_output=True)
    where, got = imported_from(python, tmp_path)
    assert where.startswith(str(tmp_path / "venv")) and got == cmake_version()
