"""Prometheus metrics every service exposes at /metrics.

One worker: the process's own registry. Several (`MOTCUA_WORKERS` > 1, shared/observability/workers.py):
each worker writes its metrics to files in PROMETHEUS_MULTIPROC_DIR, and /metrics (`exposition`)
collects the files of every worker instead of this process's metrics alone.
Counters and histograms add up over the workers, those that have exited included. A gauge says how
its workers' values combine (`multiprocess_mode`); none here uses a `live*` mode, so a worker killed
before its exit hook leaves nothing that misreports.
"""

import atexit
import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from shared.observability.workers import DIRECTORY_VARIABLE

http_requests = Counter(
    "motcua_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
http_latency = Histogram(
    "motcua_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)
events_published = Counter(
    "motcua_events_published_total", "Outbox events published to JetStream", ["service"]
)
events_consumed = Counter(
    "motcua_events_consumed_total", "Events taken from JetStream", ["service", "outcome"]
)
# Sampled from the durable consumer on the server, the same figure whichever worker asks: the latest
# sample stands for the service (a worker gone keeps its last, older, sample, which a newer one hides).
consumer_lag = Gauge(
    "motcua_consumer_pending_events",
    "Events in the stream this service has not yet processed",
    ["service"],
    multiprocess_mode="mostrecent",
)


def exposition() -> bytes:
    """What /metrics answers: this process's metrics, or, under several workers, every worker's."""
    directory = os.environ.get(DIRECTORY_VARIABLE)
    if directory is None:
        return generate_latest()
    every_worker = CollectorRegistry()
    MultiProcessCollector(every_worker, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(every_worker)


if multiprocess_directory := os.environ.get(DIRECTORY_VARIABLE):
    # A `live*` gauge's file must go with its worker (none is used today; this keeps it true).
    atexit.register(mark_process_dead, os.getpid(), multiprocess_directory)
