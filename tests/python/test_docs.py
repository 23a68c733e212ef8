"""Every ```python block in the Python docs runs as written."""

import re

import pytest

DOCS = ["python.md", "thread-safety.md"]


def blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("name", DOCS)
def test_python_snippets_in_docs_run(source_dir, name):
    text = (source_dir / "docs" / name).read_text(encoding="utf-8")
    for i, code in enumerate(blocks(text)):
        exec(compile(code, f"docs/{name}[{i}]", "exec"), {})
