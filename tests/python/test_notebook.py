"""examples/national-overview.ipynb: kept without outputs in git, and executed from top to
bottom by `jupyter nbconvert --execute` (Debian's jupyter-nbconvert, python3-ipykernel,
python3-matplotlib) with this build's klik."""
import json
import os
import pathlib
import subprocess

import klik

from conftest import SOURCE_DIR

NOTEBOOK = SOURCE_DIR / "examples" / "national-overview.ipynb"


def test_the_committed_notebook_has_no_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_the_notebook_runs_and_plots(tmp_path):
    # The kernel runs in examples/: klik from this build, by an absolute path.
    package_dir = str(pathlib.Path(klik.__file__).resolve().parents[1])
    env = os.environ | {"PYTHONPATH": package_dir, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    result = subprocess.run(["jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", str(tmp_path),
                             "--ExecutePreprocessor.timeout=600", str(NOTEBOOK)],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    cells = json.loads((tmp_path / NOTEBOOK.name).read_text(encoding="utf-8"))["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the national bars and the what-if
    html = " ".join("".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {}))
    assert "Rød" in html and "kommune" in html  # the explained colour and the red table
