"""README's "From Python" examples and examples/python/, run as written (issue 19)."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

SOURCE = pathlib.Path(os.environ.get("NOETHER_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


def readme_python_blocks():
    text = (SOURCE / "README.md").read_text()
    section = text.split("## From Python", 1)
    assert len(section) == 2, "README.md has no '## From Python' section"
    body = section[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    assert len(blocks) >= 3, "one example per use"
    return blocks


@pytest.mark.parametrize("index", range(len(readme_python_blocks())))
def test_readme_example_runs_as_written(index, tmp_path, hnn_model, graph_model):
    # The examples read the models the README's commands just above them write.
    shutil.copy(hnn_model, tmp_path / "spring-hnn.pt")
    shutil.copy(graph_model, tmp_path / "springs.pt")
    code = readme_python_blocks()[index]
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"README example {index}:\n{code}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"


@pytest.mark.parametrize("example", sorted(p.name for p in (SOURCE / "examples" / "python").glob("*.py")))
def test_python_example_runs(example, tmp_path, hnn_model):
    shutil.copy(hnn_model, tmp_path / "spring-hnn.pt")
    r = subprocess.run([sys.executable, str(SOURCE / "examples" / "python" / example), "--quick"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{example}:\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert r.stdout.strip(), f"{example} printed nothing"
