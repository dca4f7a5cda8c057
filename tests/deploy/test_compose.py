"""The deployment files hold together: compose wiring, NATS durability, the image, the k8s base.

No Docker engine or cluster is needed: the files are read with PyYAML and checked for what the
services rely on (ports, start-up order, health checks, credentials, fsync on every write).
"""

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"

PORTS = {"intake": 8001, "routing": 8002, "deadline": 8003, "survey": 8004, "reporting": 8005}
SERVICES = list(PORTS)


@cache
def compose() -> dict[str, Any]:
    """docker-compose.yml with its anchors and merge keys resolved, as Compose sees it."""
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return document


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def environment(name: str) -> dict[str, Any]:
    env = service(name)["environment"]
    assert isinstance(env, dict), f"{name}: environment should be a mapping"
    return env


def healthcheck_command(name: str) -> str:
    test = service(name)["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def mounted_nats_config() -> Path:
    for volume in service("nats")["volumes"]:
        source: str = volume.split(":", 1)[0]
        if source.endswith(".conf"):
            return ROOT / source
    raise AssertionError("nats mounts no .conf file")


def without_comments(conf: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in conf.splitlines())


@cache
def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    documents = []
    for path in sorted(K8S.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                documents.append((path, document))
    return documents


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    for _, document in k8s_documents():
        if document.get("kind") == kind and document["metadata"]["name"] == name:
            return document
    raise AssertionError(f"no {kind} {name} under deploy/k8s")


# --- docker compose: the five services ------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_publishes_its_fixed_port(name: str) -> None:
    port = PORTS[name]
    assert service(name)["ports"] == [f"{port}:{port}"]
    assert environment(name)["MOTCUA_PORT"] == str(port)


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_is_started_by_shared_serve_with_its_name(name: str) -> None:
    assert service(name)["command"] == ["python", "-m", "shared.serve", name]


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_is_healthy_only_when_its_own_readyz_answers(name: str) -> None:
    assert f"http://127.0.0.1:{PORTS[name]}/readyz" in healthcheck_command(name)
    # The slim image has no curl: the check must use what the image has.
    assert healthcheck_command(name).startswith("CMD python -c")


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_waits_for_healthy_postgres_and_nats_and_finished_migrations(name: str) -> None:
    assert service(name)["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "nats": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_restarts_unless_stopped_and_is_production_only_when_env_file_says_so(
    name: str,
) -> None:
    assert service(name)["restart"] == "unless-stopped"
    # Development by default, so that the development passwords below are never run as production
    # (test_compose_development_passwords.py).
    assert environment(name)["MOTCUA_ENVIRONMENT"] == "${MOTCUA_ENVIRONMENT:-production}"


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_logs_in_to_postgres_as_its_own_role(name: str) -> None:
    url = environment(name)["MOTCUA_DATABASE_URL"]
    assert url.startswith(f"postgresql+asyncpg://motcua_{name}:")
    assert url.endswith("@postgres:5432/motcua")


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_reaches_nats_as_its_own_user_and_listens_beyond_loopback(name: str) -> None:
    env = environment(name)
    password = f"${{MOTCUA_{name.upper()}_NATS_PASSWORD:-motcua-{name}-nats-dev}}"
    assert env["MOTCUA_NATS_URL"] == f"nats://{name}:{password}@nats:4222"
    assert env["MOTCUA_HOST"] == "0.0.0.0"  # noqa: S104 - inside a container, on purpose
    assert env["MOTCUA_DATA_DIR"] == "/data"


@pytest.mark.parametrize("name", SERVICES)
def test_jwt_secret_must_be_given_and_has_no_default(name: str) -> None:
    secret = environment(name)["MOTCUA_JWT_SECRET"]
    assert re.fullmatch(r"\$\{MOTCUA_JWT_SECRET:\?[^}]+\}", secret), secret
    assert "MOTCUA_JWT_JWKS_URL" in environment(name)


def test_survey_token_secret_must_be_given_and_has_no_default() -> None:
    secret = environment("survey")["MOTCUA_SURVEY_TOKEN_SECRET"]
    assert re.fullmatch(r"\$\{MOTCUA_SURVEY_TOKEN_SECRET:\?[^}]+\}", secret), secret
    assert all("MOTCUA_SURVEY_TOKEN_SECRET" not in environment(name) for name in SERVICES if name != "survey")


def test_intake_keeps_attachments_in_a_named_volume() -> None:
    assert "intake-data:/data" in service("intake")["volumes"]
    assert "intake-data" in compose()["volumes"]


# --- docker compose: database set-up ----------------------------------------------------------


def test_provision_runs_once_after_postgres_is_healthy() -> None:
    provision = service("provision")
    assert provision["command"] == ["python", "-m", "shared.db.provision"]
    assert provision["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert provision["restart"] == "no"
    admin_url = environment("provision")["MOTCUA_ADMIN_DATABASE_URL"]
    assert admin_url.startswith("postgresql+asyncpg://postgres:")
    assert admin_url.endswith("@postgres:5432/motcua")


def test_migrate_runs_once_after_provision_succeeded() -> None:
    migrate = service("migrate")
    assert migrate["command"] == ["python", "-m", "shared.db.migrate"]
    assert migrate["depends_on"] == {"provision": {"condition": "service_completed_successfully"}}
    assert migrate["restart"] == "no"


@pytest.mark.parametrize("name", SERVICES)
def test_migrations_log_in_exactly_as_the_service_will(name: str) -> None:
    migrate_url = environment("migrate")[f"MOTCUA_{name.upper()}_DATABASE_URL"]
    assert migrate_url == environment(name)["MOTCUA_DATABASE_URL"]


@pytest.mark.parametrize("name", SERVICES)
def test_provision_sets_the_password_the_service_logs_in_with(name: str) -> None:
    password = environment("provision")[f"MOTCUA_{name.upper()}_DB_PASSWORD"]
    # Overridable from .env, with a development default so that `docker compose up` just works.
    assert password.startswith(f"${{MOTCUA_{name.upper()}_DB_PASSWORD:-")
    assert f"motcua_{name}:{password}@" in environment(name)["MOTCUA_DATABASE_URL"]


def test_provision_uses_the_superuser_password_postgres_was_started_with() -> None:
    password = service("postgres")["environment"]["POSTGRES_PASSWORD"]
    assert f"postgres:{password}@" in environment("provision")["MOTCUA_ADMIN_DATABASE_URL"]


# --- docker compose: PostgreSQL and NATS --------------------------------------------------------


def test_postgres_is_version_17_with_a_readiness_check_and_a_volume() -> None:
    postgres = service("postgres")
    assert postgres["image"] == "postgres:17"
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert postgres["environment"]["POSTGRES_DB"] == "motcua"


def test_nats_is_healthy_only_once_jetstream_is_up_and_keeps_its_store_in_a_volume() -> None:
    nats = service("nats")
    assert nats["image"].startswith("nats:2.11")
    test = nats["healthcheck"]["test"]
    assert "http://127.0.0.1:8222/healthz?js-enabled-only=true" in test
    assert "nats-data:/data" in nats["volumes"]
    assert {"postgres-data", "nats-data"} <= set(compose()["volumes"])


def test_nats_runs_with_the_mounted_config_file() -> None:
    config = mounted_nats_config()
    assert config.is_file(), config
    mount = next(v for v in service("nats")["volumes"] if v.startswith("./deploy/nats/"))
    target = mount.split(":")[1]
    assert service("nats")["command"][-1] == target


def test_mounted_nats_config_enables_jetstream_and_fsyncs_every_write() -> None:
    conf = without_comments(mounted_nats_config().read_text(encoding="utf-8"))
    assert re.search(r"^\s*jetstream\s*\{", conf, re.MULTILINE)
    assert re.search(r"^\s*sync_interval\s*:\s*always\s*$", conf, re.MULTILINE)
    assert re.search(r"^\s*store_dir\s*:\s*/data\b", conf, re.MULTILINE)
    assert re.search(r"^\s*http_port\s*:\s*8222\s*$", conf, re.MULTILINE)
    assert re.search(r"^\s*max_payload\s*:\s*1MB\s*$", conf, re.MULTILINE)


# --- the image ------------------------------------------------------------------------------


def test_dockerfile_installs_the_project_without_extras_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = without_comments(dockerfile)
    assert re.search(r"^FROM python:3\.11-slim\b", instructions, re.MULTILINE)
    # the runtime lock, hashes checked, then the project alone (tests/deploy/test_lock.py checks the lock)
    assert re.search(r"pip install --no-deps --no-build-isolation \.\s*$", instructions, re.MULTILINE)
    assert "[embedded" not in instructions
    assert "[dev" not in instructions
    users = re.findall(r"^USER\s+(\S+)", instructions, re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^EXPOSE 8001 8002 8003 8004 8005\s*$", instructions, re.MULTILINE)


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".venv", ".run", ".git", ".env", "**/__pycache__", ".pytest_cache"} <= ignored


# --- Kubernetes -------------------------------------------------------------------------------


def test_every_k8s_manifest_parses_and_names_its_kind() -> None:
    documents = k8s_documents()
    assert documents
    for path, document in documents:
        assert "kind" in document, path
        assert "apiVersion" in document, path


def test_every_kustomization_lists_only_files_that_exist() -> None:
    kustomizations = sorted(K8S.rglob("kustomization.yaml"))
    assert K8S / "kustomization.yaml" in kustomizations
    for kustomization in kustomizations:
        resources = yaml.safe_load(kustomization.read_text(encoding="utf-8"))["resources"]
        for resource in resources:
            assert (kustomization.parent / resource).exists(), f"{kustomization}: {resource}"


def test_the_secret_template_has_every_key_the_manifests_read() -> None:
    template = {
        document["metadata"]["name"]: set(document["stringData"])
        for document in yaml.safe_load_all((K8S / "secret.example.yaml").read_text(encoding="utf-8"))
    }
    read = {
        (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for _, document in k8s_documents()
        for item in containers_env(document)
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert read
    missing = {(name, key) for name, key in read if key not in template.get(name, set())}
    assert not missing


def containers_env(document: dict[str, Any]) -> list[dict[str, Any]]:
    pod = document.get("spec", {}).get("template", {}).get("spec", {})
    containers = [*pod.get("initContainers", []), *pod.get("containers", [])]
    return [item for container in containers for item in container.get("env", [])]


def test_the_secret_template_is_never_applied_by_a_kustomization() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        resources = yaml.safe_load(kustomization.read_text(encoding="utf-8"))["resources"]
        assert not any("secret" in resource for resource in resources), kustomization


def test_nats_statefulset_runs_three_servers_that_start_together() -> None:
    statefulset = k8s_object("StatefulSet", "nats")
    assert statefulset["spec"]["replicas"] == 3
    # One server never reaches quorum alone: ordered start-up would wait on it forever.
    assert statefulset["spec"]["podManagementPolicy"] == "Parallel"
    assert k8s_object("Service", statefulset["spec"]["serviceName"])["spec"]["clusterIP"] == "None"


def test_nats_cluster_config_fsyncs_every_write_and_routes_to_all_three_servers() -> None:
    conf = without_comments(k8s_object("ConfigMap", "nats-config")["data"]["nats.conf"])
    assert re.search(r"^\s*sync_interval\s*:\s*always\s*$", conf, re.MULTILINE)
    assert re.search(r"^\s*jetstream\s*\{", conf, re.MULTILINE)
    # Each route URL is a variable the StatefulSet composes with the route password
    # (test_nats_cluster_routes.py checks them, and runs the cluster).
    routes = set(re.findall(r"^\s*\$NATS_ROUTE_(\d)\s*$", conf, re.MULTILINE))
    assert routes == {"0", "1", "2"}


def test_k8s_services_create_streams_with_three_replicas() -> None:
    assert k8s_object("ConfigMap", "motcua-env")["data"]["MOTCUA_STREAM_REPLICAS"] == "3"


@pytest.mark.parametrize("name", SERVICES)
def test_every_k8s_deployment_runs_two_probed_bounded_replicas(name: str) -> None:
    deployment = k8s_object("Deployment", name)
    assert deployment["spec"]["replicas"] == 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "shared.serve", name]
    assert container["ports"] == [{"name": "http", "containerPort": PORTS[name]}]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["memory"] == "128Mi"
    assert container["resources"]["limits"]["memory"] == "256Mi"
    env = {item["name"]: item for item in container["env"]}
    assert env["MOTCUA_PORT"]["value"] == str(PORTS[name])
    assert env["MOTCUA_DATABASE_URL"]["value"].startswith(f"postgresql+asyncpg://motcua_{name}:")
    # Only this service's own password reaches its pods.
    password_keys = {
        item["valueFrom"]["secretKeyRef"]["key"]
        for item in container["env"]
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    # The survey service alone also holds the HMAC key of its invitation tokens.
    own_secrets = {"MOTCUA_SURVEY_TOKEN_SECRET"} if name == "survey" else set()
    assert password_keys == {
        "MOTCUA_JWT_SECRET",
        f"MOTCUA_{name.upper()}_DB_PASSWORD",
        f"MOTCUA_{name.upper()}_NATS_PASSWORD",
        *own_secrets,
    }
    assert k8s_object("Service", name)["spec"]["ports"][0]["port"] == PORTS[name]


WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else workload["spec"]
    pod: dict[str, Any] = spec["template"]["spec"]
    return pod


def test_no_k8s_pod_gets_a_service_account_token() -> None:
    """None of motcua's pods calls the Kubernetes API: a token mounted in one would only serve
    whoever took over its process."""
    workloads = [document for _, document in k8s_documents() if document["kind"] in WORKLOAD_KINDS]
    names = {workload["metadata"]["name"] for workload in workloads}
    assert names >= {*SERVICES, "nats", "motcua-db-setup"}
    for workload in workloads:
        assert pod_spec(workload).get("automountServiceAccountToken") is False, workload["metadata"]["name"]


@pytest.mark.parametrize("name", [*SERVICES, "nats"])
def test_every_k8s_workload_has_a_disruption_budget(name: str) -> None:
    budget = k8s_object("PodDisruptionBudget", name)
    assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}


def test_db_setup_job_provisions_before_it_migrates_every_service() -> None:
    pod = k8s_object("Job", "motcua-db-setup")["spec"]["template"]["spec"]
    (provision,) = pod["initContainers"]
    (migrate,) = pod["containers"]
    assert provision["command"] == ["python", "-m", "shared.db.provision"]
    assert migrate["command"] == ["python", "-m", "shared.db.migrate"]
    migrate_env = {item["name"] for item in migrate["env"]}
    provision_env = {item["name"] for item in provision["env"]}
    for name in SERVICES:
        assert f"MOTCUA_{name.upper()}_DATABASE_URL" in migrate_env
        assert f"MOTCUA_{name.upper()}_DB_PASSWORD" in provision_env
    assert "MOTCUA_ADMIN_DATABASE_URL" in provision_env


def test_example_postgres_cluster_has_three_instances() -> None:
    cluster = k8s_object("Cluster", "motcua-pg")
    assert cluster["apiVersion"].startswith("postgresql.cnpg.io/")
    assert cluster["spec"]["instances"] == 3
