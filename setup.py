"""The build of the compiled core `klik._klik` for pyproject.toml's setuptools backend.

setuptools cannot compile klik itself: the module is built by the project's CMake
(bindings/python), and this file hands that build to setuptools as the extension.

- The version is CMakeLists.txt's project(VERSION ...), so C++ and Python share it.
- The CMake build goes to build-wheel/cmake (configured once, incremental after), with
  the interpreter that runs the build, Release, and only the library and the module.
- KLIK_CMAKE_BUILD_DIR=<dir> builds the module in an existing build directory instead
  (scripts/build's build/ makes a wheel in seconds: the tests do that).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


def version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    found = re.search(r"project\(klik\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)", text)
    if not found:
        raise RuntimeError("CMakeLists.txt has no project(klik VERSION x.y.z)")
    return found.group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build = pathlib.Path(os.environ.get("KLIK_CMAKE_BUILD_DIR") or ROOT / "build-wheel" / "cmake").resolve()
        if not (build / "build.ninja").exists() and not (build / "Makefile").exists():
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), *generator, "-DCMAKE_BUILD_TYPE=Release",
                            "-DKLIK_BUILD_TESTS=OFF", "-DKLIK_BUILD_BENCHMARKS=OFF", "-DKLIK_BUILD_EXAMPLES=OFF",
                            "-DKLIK_BUILD_APPS=OFF", "-DKLIK_INSTALL=OFF", "-DKLIK_BUILD_PYTHON=ON",
                            f"-DPython_EXECUTABLE={sys.executable}", f"-DPYTHON_EXECUTABLE={sys.executable}"],
                           check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "_klik", "-j", os.environ.get("KLIK_JOBS", "2")],
                       check=True)
        built = sorted((build / "python" / "klik").glob("_klik*.so"))
        if not built:
            raise RuntimeError(f"the CMake build in {build} made no klik/_klik*.so")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


# setuptools' own scratch space, away from CMake's build/ (egg_info wants it to exist).
(ROOT / "build-wheel").mkdir(exist_ok=True)

setup(
    version=version(),
    ext_modules=[CMakeExtension("klik._klik")],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build-wheel"}, "egg_info": {"egg_base": "build-wheel"}},
)
