"""The cluster fault test (issue 19): the soak's load on the replicated topology of deploy/k8s
(three NATS servers, a PostgreSQL primary with its synchronous standby, two processes per service),
through each fault of a cluster in turn: the DOSSIERS stream's leader killed, a NATS server down for
a minute, the relay's and the watcher's leaders killed, a replica of each other service killed, the
primary lost and its standby promoted. Then the soak's checks: every acknowledged dossier once, one
plan and one clock each, reports complete, no dead letters, one relay publishing at a time, each
warning once. The figures give the longest pause in successful answers during each fault.
SOAK_SEED replays a run; `make soak-cluster` runs it alone."""

import asyncio
from pathlib import Path

import pytest

from tests.system.figures import figures
from tests.system.plan import cluster_plan, seed_from_env
from tests.system.soak import run_soak

pytestmark = pytest.mark.slow


def test_the_replicated_topology_keeps_every_acknowledged_dossier_once_through_a_cluster_s_faults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = asyncio.run(run_soak(cluster_plan(seed_from_env()), tmp_path))
    summary = figures(report)
    with capsys.disabled():
        print("\n" + summary)
    assert report.ok, summary
