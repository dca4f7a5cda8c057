"""The committed Kubernetes NATS cluster on loopback, for the tests here: the code lives in
tools/devstack/nats_cluster.py, which `make run-cluster` runs too."""

from collections.abc import Iterator
from pathlib import Path

from tools.devstack.nats_cluster import (
    CA,
    K8S,
    LOOPBACK,
    Cluster,
    Ports,
    Secrets,
    Server,
    config_files,
    k8s_documents,
    k8s_object,
    loopback_config,
    nats_container,
    pod_environment,
    route_certificate,
    route_count,
    start_server,
)

__all__ = [
    "CA",
    "K8S",
    "LOOPBACK",
    "Cluster",
    "Ports",
    "Secrets",
    "Server",
    "config_files",
    "k8s_documents",
    "k8s_object",
    "loopback_config",
    "nats_container",
    "pod_environment",
    "route_certificate",
    "route_count",
    "start_cluster",
    "start_server",
]


def start_cluster(root: Path) -> Iterator[Cluster]:
    """The cluster for a fixture's `yield from`: stopped when the fixture ends."""
    cluster = Cluster.start(root)
    try:
        yield cluster
    finally:
        cluster.stop()
