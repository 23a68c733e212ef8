"""Every code block in the docs is real: each ```python block runs as written and each
```cpp block compiles against the public headers.

A block may need names the page does not spell out (a store, a signed-in user). They
come from an HTML comment right before the block, invisible on the rendered page:

    <!-- snippet-context
    python code run before the block, in the same namespace
    -->

    <!-- snippet-context: const klik::Task& task, std::string_view file_text -->

The first form is for Python. The second gives a C++ block the parameters of the
function it is compiled in; a C++ block that has its own `main` is compiled as it is.
"""

import os
import pathlib
import re
import shutil
import subprocess

import pytest

FENCE = re.compile(
    r"(?:<!-- snippet-context(?P<ctx_params>:[^\n]*?)?(?P<ctx_body>\n.*?)?-->\n\n?)?"
    r"```(?P<lang>python|cpp)\n(?P<code>.*?)```",
    flags=re.S,
)


def docs(source_dir):
    return sorted((source_dir / "docs").glob("*.md")) + [source_dir / "README.md"]


def blocks(path, lang):
    text = path.read_text(encoding="utf-8")
    for i, m in enumerate(b for b in FENCE.finditer(text) if b["lang"] == lang):
        params = (m["ctx_params"] or ":")[1:].strip()
        yield i, m["code"], params, (m["ctx_body"] or "")


def test_every_doc_has_been_looked_at(source_dir):
    # A guard on the guard: the pattern finds the blocks the pages hold.
    found = {lang: sum(1 for p in docs(source_dir) for _ in blocks(p, lang)) for lang in ("python", "cpp")}
    raw = {lang: sum(p.read_text(encoding="utf-8").count("```" + lang + "\n") for p in docs(source_dir))
           for lang in ("python", "cpp")}
    assert found == raw


@pytest.mark.parametrize("name", [p.name for p in sorted(pathlib.Path(os.environ.get(
    "KLIK_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2])).joinpath("docs").glob("*.md"))] + ["README.md"])
def test_python_snippets_run(source_dir, name, tmp_path, monkeypatch):
    path = source_dir / ("README.md" if name == "README.md" else "docs/" + name)
    monkeypatch.chdir(tmp_path)  # snippets that write files write them here
    for i, code, _, context in blocks(path, "python"):
        namespace = {}
        if context.strip():
            exec(compile(context, f"{name}[{i}] context", "exec"), namespace)
        exec(compile(code, f"{name}[{i}]", "exec"), namespace)


def compiler():
    for name in (os.environ.get("CXX"), "c++", "g++"):
        if name and shutil.which(name):
            return name
    pytest.fail("no C++ compiler on PATH (scripts/setup installs g++)")


def test_cpp_snippets_compile(source_dir, tmp_path):
    headers = sorted((source_dir / "include" / "klik").glob("*.hpp"))
    prelude = "".join(f'#include "klik/{h.name}"\n' for h in headers) + "#include <iostream>\n"
    units = []
    for path in docs(source_dir):
        for i, code, params, _ in blocks(path, "cpp"):
            if re.search(r"\bint main\(", code):
                body = code
            else:
                body = f"[[maybe_unused]] void snippet({params}) {{\n{code}}}\n"
            unit = tmp_path / f"{path.stem}_{i}.cpp"
            unit.write_text(prelude + f'#line 1 "{path.name}[{i}]"\n' + body, encoding="utf-8")
            units.append(unit)
    assert units
    # One compiler per core, each checking its share of the snippets.
    jobs = max(1, min(len(units), os.cpu_count() or 1))
    procs = [subprocess.Popen(
        [compiler(), "-std=c++20", "-fsyntax-only", "-Wall", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
         "-I", str(source_dir / "include"), *map(str, units[k::jobs])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(jobs)]
    errors = [proc.communicate()[1] for proc in procs]
    failed = [err for proc, err in zip(procs, errors) if proc.returncode != 0]
    assert not failed, "\n".join(failed)[-4000:]
