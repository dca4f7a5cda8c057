"""/metrics reports every worker of a service, whichever worker the scrape reaches
(shared/observability/workers.py): the service as deployed, `python -m shared.serve` with two workers."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from shared.observability.workers import DIRECTORY_VARIABLE, metrics_directory
from tests.conftest import Stack
from tools.devstack.launch import REPO, wait_ready
from tools.devstack.ports import free_port

HEALTHZ = {"service": "intake", "method": "GET", "route": "/healthz", "status": "200"}


def healthz_answered(samples: list[tuple[str, dict[str, str], float]]) -> float:
    return sum(
        value for name, labels, value in samples if name == "motcua_http_requests_total" and labels == HEALTHZ
    )


def scraped(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def workers_directories(parent: Path) -> list[Path]:
    """The directories shared.serve made for its workers' metrics under `parent`."""
    return list(parent.glob("motcua-metrics-*"))


def per_worker(directory: Path) -> dict[str, float]:
    """/healthz requests each worker answered, read from its own counter file."""
    answered = {}
    for path in directory.glob("counter_*.db"):
        samples = [
            (sample.name, sample.labels, sample.value)
            # prometheus_client leaves merge unannotated
            for family in MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
            for sample in family.samples
        ]
        answered[path.stem.removeprefix("counter_")] = healthz_answered(samples)
    return answered


@pytest.mark.slow
async def test_a_scrape_counts_the_requests_of_both_workers(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where shared.serve makes the workers' directory
    port = free_port()
    process = stack.start_service("intake", port, workers="2")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base)
        (directory,) = workers_directories(tmp_path)
        sent = 0
        # A new connection each time, so that either worker may take it, until both have answered.
        while len([n for n in per_worker(directory).values() if n]) < 2 and sent < 2000:
            for _ in range(20):
                async with httpx.AsyncClient(base_url=base, timeout=5) as client:
                    assert (await client.get("/healthz")).status_code == 200
                sent += 1
        answered = per_worker(directory)
        assert len([n for n in answered.values() if n]) == 2, answered
        assert sum(answered.values()) == sent

        for _ in range(10):  # whichever worker a scrape reaches, it reports both
            async with httpx.AsyncClient(base_url=base, timeout=5) as client:
                metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            assert healthz_answered(scraped(metrics.text)) == sent
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0
    assert not workers_directories(tmp_path), "the workers' directory goes with the service"


def test_several_workers_get_a_fresh_directory_and_one_worker_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv(DIRECTORY_VARIABLE, "/a/stale/run")
    with metrics_directory(1) as directory:
        assert directory is None
        assert DIRECTORY_VARIABLE not in os.environ
    with metrics_directory(2) as first:
        assert first is not None
        assert os.environ[DIRECTORY_VARIABLE] == first
        assert Path(first).parent == tmp_path
        assert not any(Path(first).iterdir())
    with metrics_directory(2) as second:
        assert second != first
    assert not Path(first).exists()
    assert os.environ[DIRECTORY_VARIABLE] == "/a/stale/run"


def test_a_worker_leaving_removes_its_live_gauges_and_keeps_its_counters(tmp_path: Path) -> None:
    worker = (
        "from prometheus_client import Gauge\n"
        "from shared.observability import metrics\n"
        "metrics.http_requests.labels('intake', 'GET', '/healthz', '200').inc()\n"
        "Gauge('motcua_test_live', 'a live gauge', multiprocess_mode='livesum').set(1)\n"
    )
    env = {**os.environ, DIRECTORY_VARIABLE: str(tmp_path)}
    subprocess.run([sys.executable, "-c", worker], cwd=REPO, env=env, check=True)
    assert [path.name.split("_")[0] for path in tmp_path.glob("*.db")] == ["counter"]
