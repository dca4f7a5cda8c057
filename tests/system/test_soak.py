"""The short soak of `make test`: two minutes of load with a few faults of each kind (services
SIGKILLed, NATS killed, PostgreSQL restarted immediately), then every acknowledged dossier checked
across the five services. SOAK_SEED replays a run; `make soak` is the long version."""

import asyncio
from pathlib import Path

import pytest

from tests.system.figures import figures
from tests.system.plan import seed_from_env, short_plan
from tests.system.soak import run_soak

pytestmark = pytest.mark.slow


def test_every_acknowledged_dossier_is_kept_once_through_kills_of_services_nats_and_postgres(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = asyncio.run(run_soak(short_plan(seed_from_env()), tmp_path))
    summary = figures(report)
    with capsys.disabled():
        print("\n" + summary)
    assert report.ok, summary
