"""The pandas/pyreadstat example of docs/statisticians.md (section 6) runs against a package
built from a trial, as a statistician would run it beside the downloaded zip."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from edc.exports import package
from edc.exports.context import ExportContext

DOC = Path(settings.BASE_DIR) / "docs" / "statisticians.md"
MARKER = "<!-- package-example -->"


def example_code() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert MARKER in text, "the package example is marked in docs/statisticians.md"
    after = text.split(MARKER, 1)[1]
    found = re.match(r"\s*```python\n(.*?)\n```", after, re.S)
    assert found, "a python block follows the marker"
    return found.group(1)


@pytest.mark.django_db
def test_the_documented_python_example_reads_the_package(trial, statistician, tmp_path):
    out = io.BytesIO()
    package.write_package(out, ctx=ExportContext(user=statistician))
    (tmp_path / "package.zip").write_bytes(out.getvalue())
    script = tmp_path / "example.py"
    script.write_text(example_code(), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "2 AE rows, first variable IT.AE.STUDYID" in run.stdout
    assert "LB Standard Toxicity Grade (CTCAE v5.0)" in run.stdout
    assert "A " in run.stdout  # the worst grade of cohort A's subjects
