"""scripts/check_includes: passes on the tree, and fails on the two faults it guards against."""
import shutil
import subprocess
import sys


def run(script, root):
    return subprocess.run([sys.executable, str(script), str(root)], capture_output=True, text=True)


def copy_tree(source_dir, tmp_path):
    root = tmp_path / "klik"
    for part in ("include", "src", "bindings/python/src", "examples", "benchmarks", "tests"):
        shutil.copytree(source_dir / part, root / part, ignore=shutil.ignore_patterns("*.json", "*.sqlite", "corpus*"))
    return root


def test_the_tree_passes(source_dir):
    result = run(source_dir / "scripts" / "check_includes", source_dir)
    assert result.returncode == 0, result.stderr
    assert "include structure ok" in result.stdout


def test_a_private_header_outside_the_store_and_engine_fails(source_dir, tmp_path):
    root = copy_tree(source_dir, tmp_path)
    unit = root / "src" / "deadline.cpp"
    unit.write_text('#include "detail/world_index.hpp"\n' + unit.read_text(encoding="utf-8"), encoding="utf-8")
    binding = root / "bindings" / "python" / "src" / "bind_store.cpp"
    binding.write_text('#include "detail/json_io.hpp"\n' + binding.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(source_dir / "scripts" / "check_includes", root)
    assert result.returncode == 1
    assert "src/deadline.cpp: includes the private src/detail/world_index.hpp" in result.stderr
    assert "bindings/python/src/bind_store.cpp: includes the private src/detail/json_io.hpp" in result.stderr


def test_a_header_cycle_fails(source_dir, tmp_path):
    root = copy_tree(source_dir, tmp_path)
    date = root / "include" / "klik" / "date.hpp"
    date.write_text(date.read_text(encoding="utf-8") + '#include "klik/calendar.hpp"\n', encoding="utf-8")
    result = run(source_dir / "scripts" / "check_includes", root)
    assert result.returncode == 1
    assert ("include cycle: include/klik/calendar.hpp -> include/klik/date.hpp -> include/klik/calendar.hpp"
            in result.stderr)
