"""Every worker's metrics on each scrape: prometheus_client's multiprocess mode, under several workers.

With `MOTCUA_WORKERS` > 1, uvicorn serves a service from several processes and a scrape of /metrics
reaches one of them. So `python -m shared.serve` gives the workers a fresh, empty directory in
PROMETHEUS_MULTIPROC_DIR, set before it starts them (so before any of them imports
prometheus_client): each worker writes its metrics to files of its own there, and /metrics reads the
files of every worker, those that have exited included, so a counter never goes back when a worker
is replaced (shared/observability/metrics.py). The directory goes when the service stops: a restart
starts from zero, as Prometheus expects of a new process.

With one worker none of this is used: the process serves its own registry, the process_* and
python_gc_* metrics of the client library included (under several workers they are left out, as
one process's figures would pass for the service's).

This module imports nothing of prometheus_client: the parent process must not have chosen the
client's storage before the variable is set.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory(workers: int) -> Iterator[str | None]:
    """While a service runs with `workers` processes: with several, a fresh directory (under TMPDIR)
    in PROMETHEUS_MULTIPROC_DIR, removed at the end; with one, the variable unset, so that a value
    inherited from the environment cannot make one process read another run's files."""
    inherited = os.environ.pop(DIRECTORY_VARIABLE, None)
    directory = tempfile.mkdtemp(prefix="motcua-metrics-") if workers > 1 else None
    if directory:
        os.environ[DIRECTORY_VARIABLE] = directory
    try:
        yield directory
    finally:
        os.environ.pop(DIRECTORY_VARIABLE, None)
        if inherited is not None:
            os.environ[DIRECTORY_VARIABLE] = inherited
        if directory:
            shutil.rmtree(directory, ignore_errors=True)
