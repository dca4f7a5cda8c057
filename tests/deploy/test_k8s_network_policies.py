"""The NetworkPolicies of deploy/k8s let in what motcua needs and nothing else.

Read with PyYAML and evaluated here the way Kubernetes does (a pod selected by any policy accepts
only what some rule of those policies allows; a rule without ports allows every port), for each
pod the manifests create: who may open a connection to which of its ports.
"""

from functools import cache
from typing import Any

import pytest
import yaml

from tools.devstack.nats_cluster import K8S, k8s_documents

SERVICES = ["intake", "routing", "deadline", "survey", "reporting"]
POSTGRES = {"cnpg.io/cluster": "motcua-pg"}  # the CloudNativePG instances' pods (postgres/)


def policies() -> list[dict[str, Any]]:
    return [d for d in k8s_documents() if d["kind"] == "NetworkPolicy"]


def workload_pod(name: str) -> dict[str, Any]:
    for document in k8s_documents():
        if document["kind"] in {"Deployment", "StatefulSet", "Job"} and document["metadata"]["name"] == name:
            template: dict[str, Any] = document["spec"]["template"]
            return template
    raise AssertionError(f"no workload {name}")


def labels(name: str) -> dict[str, str]:
    pod_labels: dict[str, str] = workload_pod(name)["metadata"]["labels"]
    return pod_labels


@cache
def named_ports(name: str) -> dict[str, int]:
    return {
        port["name"]: port["containerPort"]
        for container in workload_pod(name)["spec"]["containers"]
        for port in container.get("ports", [])
    }


def selects(selector: dict[str, Any], pod_labels: dict[str, str]) -> bool:
    """A label selector as Kubernetes reads it (only the operators these manifests use)."""
    if any(pod_labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if pod_labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def peers_allowed(
    pod_labels: dict[str, str], port: int, port_name: str | None = None
) -> list[dict[str, Any]]:
    """Every `from` peer that some policy selecting this pod lets in on this port."""
    allowed = []
    for policy in policies():
        spec = policy["spec"]
        if "Ingress" not in spec["policyTypes"] or not selects(spec["podSelector"], pod_labels):
            continue
        for rule in spec.get("ingress", []):
            ports = rule.get("ports")
            if ports is None or any(p["port"] in {port, port_name} for p in ports):
                assert "from" in rule, f"{policy['metadata']['name']}: a rule open to everyone"
                allowed.extend(rule["from"])
    return allowed


def admits_pod(peers: list[dict[str, Any]], pod_labels: dict[str, str]) -> bool:
    """Whether a pod of this namespace with these labels is among the peers."""
    return any(set(peer) == {"podSelector"} and selects(peer["podSelector"], pod_labels) for peer in peers)


def nats_port(name: str) -> tuple[int, str]:
    return named_ports("nats")[name], name


@cache
def kustomization(path: str) -> list[str]:
    resources: list[str] = yaml.safe_load((K8S / path).read_text(encoding="utf-8"))["resources"]
    return resources


def test_the_base_and_the_postgres_example_apply_their_policies() -> None:
    assert "networkpolicy.yaml" in kustomization("kustomization.yaml")
    assert "networkpolicy.yaml" in kustomization("postgres/kustomization.yaml")


def test_every_pod_of_the_namespace_refuses_what_no_policy_allows() -> None:
    (deny,) = [p for p in policies() if p["metadata"]["name"] == "default-deny-ingress"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_only_nats_servers_reach_the_route_port() -> None:
    peers = peers_allowed(labels("nats"), *nats_port("cluster"))
    assert peers == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "nats"}}}]
    assert not any(admits_pod(peers, labels(name)) for name in [*SERVICES, "motcua-db-setup"])


def test_the_services_and_the_agencies_reach_the_nats_client_port() -> None:
    peers = peers_allowed(labels("nats"), *nats_port("client"))
    assert all(admits_pod(peers, labels(name)) for name in SERVICES)
    assert not admits_pod(peers, labels("motcua-db-setup"))
    # The agencies' systems: a network to be set per site (a documentation range until then).
    assert [peer["ipBlock"]["cidr"] for peer in peers if "ipBlock" in peer] == ["192.0.2.0/24"]


def test_nats_monitoring_is_open_to_the_monitoring_namespace_only() -> None:
    peers = peers_allowed(labels("nats"), *nats_port("monitor"))
    assert peers == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_s_http_port_is_open_to_the_ingress_controller_and_monitoring_only(name: str) -> None:
    peers = peers_allowed(labels(name), named_ports(name)["http"], "http")
    namespaces = {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for peer in peers}
    assert namespaces == {"ingress-nginx", "monitoring"}
    assert all(set(peer) == {"namespaceSelector"} for peer in peers)
    # The services never call each other: no pod of the namespace is let in.
    assert not any(admits_pod(peers, labels(other)) for other in [*SERVICES, "nats"])


def test_the_db_setup_job_accepts_no_connection() -> None:
    assert peers_allowed(labels("motcua-db-setup"), 0) == []


def test_postgres_is_reached_by_the_services_the_job_and_its_own_instances() -> None:
    peers = peers_allowed(POSTGRES, 5432)
    assert all(admits_pod(peers, labels(name)) for name in [*SERVICES, "motcua-db-setup"])
    assert admits_pod(peers, POSTGRES)  # replication between the instances
    assert not admits_pod(peers, labels("nats"))


def test_every_named_port_in_a_policy_exists_on_the_pods_it_selects() -> None:
    for policy in policies():
        spec = policy["spec"]
        workloads = [*SERVICES, "nats", "motcua-db-setup"]
        selected = [name for name in workloads if selects(spec["podSelector"], labels(name))]
        for rule in spec.get("ingress", []):
            for port in rule.get("ports", []):
                if isinstance(port["port"], str):
                    assert selected, policy["metadata"]["name"]
                    for name in selected:
                        assert port["port"] in named_ports(name), (policy["metadata"]["name"], name)
