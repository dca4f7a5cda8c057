"""The CloudNativePG example is backed up, and its restore template reads those backups.

deploy/k8s/postgres: WAL archiving and nightly base backups of motcua-pg to an S3-compatible bucket
through the Barman Cloud plugin (ObjectStore, the Cluster's `plugins`, a ScheduledBackup), with a
retention policy; recovery.example.yaml, a new Cluster bootstrapped from that store up to a moment,
archiving to a folder of its own and reachable as motcua-pg is. Field names follow
postgresql.cnpg.io/v1 and barmancloud.cnpg.io/v1 (no cluster is needed: the files are read).
"""

import re
from datetime import datetime
from functools import cache
from typing import Any

import yaml

from .test_compose import K8S, k8s_object

PLUGIN = "barman-cloud.cloudnative-pg.io"
POSTGRES = K8S / "postgres"


@cache
def documents(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(d for d in yaml.safe_load_all((POSTGRES / name).read_text(encoding="utf-8")) if d)


def one(name: str, kind: str) -> dict[str, Any]:
    (document,) = [d for d in documents(name) if d["kind"] == kind]
    return document


def archiver(cluster: dict[str, Any]) -> dict[str, Any]:
    (plugin,) = [p for p in cluster["spec"]["plugins"] if p.get("isWALArchiver")]
    assert plugin["name"] == PLUGIN
    parameters: dict[str, Any] = plugin["parameters"]
    return parameters


def kustomization() -> list[str]:
    resources: list[str] = yaml.safe_load((POSTGRES / "kustomization.yaml").read_text())["resources"]
    return resources


def test_the_postgres_example_applies_its_backups_but_never_a_restore() -> None:
    assert {"cnpg-cluster.yaml", "backup.yaml"} <= set(kustomization())
    for path in K8S.rglob("kustomization.yaml"):
        assert "recovery.example.yaml" not in yaml.safe_load(path.read_text())["resources"], path


def test_the_cluster_archives_its_wal_to_the_object_store() -> None:
    cluster = k8s_object("Cluster", "motcua-pg")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    store = one("backup.yaml", "ObjectStore")
    assert archiver(cluster) == {"barmanObjectName": store["metadata"]["name"]}  # folder: motcua-pg


def test_the_object_store_is_an_s3_bucket_with_credentials_from_a_secret_and_a_retention() -> None:
    store = one("backup.yaml", "ObjectStore")
    assert store["apiVersion"] == "barmancloud.cnpg.io/v1"
    spec = store["spec"]
    assert re.fullmatch(r"[1-9][0-9]*[dwm]", spec["retentionPolicy"])
    configuration = spec["configuration"]
    assert configuration["destinationPath"].startswith("s3://")
    assert configuration["endpointURL"].startswith("https://")
    assert "serverName" not in configuration, "the plugin takes the folder from the Cluster"
    credentials = configuration["s3Credentials"]
    assert set(credentials) == {"accessKeyId", "secretAccessKey"}
    secret_template = {
        d["metadata"]["name"]: set(d["stringData"])
        for d in yaml.safe_load_all((K8S / "secret.example.yaml").read_text(encoding="utf-8"))
    }
    for reference in credentials.values():
        assert reference["key"] in secret_template[reference["name"]]
    assert configuration["wal"]["compression"] == configuration["data"]["compression"] == "gzip"


def assert_nightly_plugin_backup(scheduled: dict[str, Any], cluster: str) -> None:
    assert scheduled["apiVersion"] == "postgresql.cnpg.io/v1"
    spec = scheduled["spec"]
    assert spec["cluster"] == {"name": cluster}
    # Six fields, seconds first (not crontab's five): once a day, on the hour.
    seconds, minutes, hours, *days = spec["schedule"].split()
    assert (seconds, minutes, days) == ("0", "0", ["*", "*", "*"])
    assert 0 <= int(hours) <= 23
    assert spec["method"] == "plugin"
    assert spec["pluginConfiguration"] == {"name": PLUGIN}
    assert spec["immediate"] is True, "WAL alone restores nothing: a base backup at once"
    assert spec["backupOwnerReference"] == "self"


def test_a_base_backup_is_taken_every_night() -> None:
    assert_nightly_plugin_backup(one("backup.yaml", "ScheduledBackup"), "motcua-pg")


def test_the_restore_template_recovers_motcua_pg_from_its_folder_up_to_a_moment() -> None:
    original = k8s_object("Cluster", "motcua-pg")["spec"]
    spec = one("recovery.example.yaml", "Cluster")["spec"]
    recovery = spec["bootstrap"]["recovery"]
    (source,) = [c for c in spec["externalClusters"] if c["name"] == recovery["source"]]
    assert source["plugin"]["name"] == PLUGIN
    assert source["plugin"]["parameters"] == {
        "barmanObjectName": archiver(k8s_object("Cluster", "motcua-pg"))["barmanObjectName"],
        "serverName": "motcua-pg",
    }
    target = datetime.fromisoformat(recovery["recoveryTarget"]["targetTime"])
    assert target.utcoffset() is not None, "a moment, not a wall-clock time of unknown zone"
    # The same database, owner, version and parameters as the cluster backed up.
    initdb = original["bootstrap"]["initdb"]
    assert (recovery["database"], recovery["owner"]) == (initdb["database"], initdb["owner"])
    for field in ("imageName", "instances", "postgresql", "enableSuperuserAccess", "storage"):
        assert spec[field] == original[field], field


def test_the_restored_cluster_archives_to_a_folder_of_its_own_and_is_backed_up_nightly() -> None:
    restore = one("recovery.example.yaml", "Cluster")
    parameters = archiver(restore)
    assert parameters["barmanObjectName"] == one("backup.yaml", "ObjectStore")["metadata"]["name"]
    assert parameters["serverName"] == restore["metadata"]["name"] != "motcua-pg"
    assert_nightly_plugin_backup(one("recovery.example.yaml", "ScheduledBackup"), restore["metadata"]["name"])


def test_the_restored_cluster_is_reachable_exactly_as_motcua_pg_is() -> None:
    original = k8s_object("NetworkPolicy", "motcua-pg")
    restore = one("recovery.example.yaml", "NetworkPolicy")
    renamed = yaml.safe_load(yaml.safe_dump(original["spec"]).replace("motcua-pg", "motcua-pg-restore"))
    assert restore["spec"] == renamed
