"""docs/examples/pull_all_domains.py runs against a live server, as a statistician would."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_real_service

from .conftest import Trial

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "pull_all_domains.py"


def importable(*names: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in names)


@pytest.fixture
def example():
    require_real_service(importable("pandas", "requests"), "pandas and requests (dev extras)")
    spec = importlib.util.spec_from_file_location("pull_all_domains", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.mark.django_db(transaction=True)
def test_the_documented_script_pulls_every_domain_and_the_package(
    example, live_server, trial: Trial, statistician, tmp_path, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    frames = example.main(
        [
            "--url",
            live_server.url,
            "--username",
            statistician.username,
            "--password",
            "pw-for-tests-1",
            "--out",
            str(tmp_path),
            "--package",
        ]
    )
    assert set(frames) == {
        *("DM", "DS", "SV", "EX", "AE", "CM", "MH", "LB", "VS", "TU", "TR", "RS", "DV"),
    }
    assert len(frames["DM"]) == 4 and str(frames["LB"]["LBSTRESN"].dtype) == "float64"
    assert str(frames["AE"]["AETOXGR"].dtype) == "string"
    assert frames["TR"].loc[frames["TR"]["TRTESTCD"] == "PCBSD", "TRSTRESN"].tolist() == [-40.0]
    assert (tmp_path / "dm.csv").exists()
    assert any(p.suffix == ".zip" for p in tmp_path.iterdir())
