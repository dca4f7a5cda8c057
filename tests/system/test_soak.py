"""The soak runs of `make test`, each a few minutes of load with faults, then every acknowledged
dossier checked across the five services (CONTRIBUTING.md, "Soak and fault test"):

- `single`: one PostgreSQL, one NATS server, one process per service, as `make run` and compose run
  them; services SIGKILLed, NATS killed, PostgreSQL restarted immediately, on a seeded schedule.
  `make soak` is the long version.
- `replicated`, the cluster fault test: the topology of deploy/k8s as `make run-cluster` builds it
  (three NATS servers, a primary with its synchronous standby, two processes per service), through
  each fault of a cluster in turn: the DOSSIERS stream's leader killed, a NATS server down for a
  minute, the relay's and the watcher's leaders killed, a replica of each other service killed,
  the primary lost and its standby promoted. `make soak-cluster` runs it alone.

SOAK_SEED replays a run; the figures give the longest pause in successful answers during each fault."""

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.system.figures import figures
from tests.system.plan import SoakPlan, cluster_plan, seed_from_env, short_plan
from tests.system.soak import run_soak

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("make_plan", [short_plan, cluster_plan], ids=["single", "replicated"])
def test_every_acknowledged_dossier_is_kept_once_through_kills_of_services_and_servers(
    make_plan: Callable[[int], SoakPlan], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = asyncio.run(run_soak(make_plan(seed_from_env()), tmp_path))
    summary = figures(report)
    with capsys.disabled():
        print("\n" + summary)
    assert report.ok, summary
