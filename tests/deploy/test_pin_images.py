"""tools/pin_images.py finds every third-party image the deployment names and pins each to a digest,
keeping its tag. Resolving a tag needs the registries, which this machine does not reach: here a
table of digests stands in for them (the rewriting is what is tested)."""

import shutil
from pathlib import Path

import pytest

from tools.pin_images import REPO, files, pin_all, references, registry_and_name

IMAGES = {"python:3.11-slim", "postgres:17", "nats:2.11-alpine", "ghcr.io/cloudnative-pg/postgresql:17"}


def test_every_third_party_image_of_the_deployment_is_found_and_ours_left_alone() -> None:
    found = references(files())
    assert {r.tagged for r in found} == IMAGES
    paths = {r.path.relative_to(REPO).as_posix() for r in found}
    assert {"Dockerfile", "docker-compose.yml", "deploy/k8s/nats-statefulset.yaml"} <= paths
    assert not any(r.image.startswith("motcua") for r in found)


def test_pinning_writes_tag_at_digest_everywhere_and_pins_again_on_a_new_digest(tmp_path: Path) -> None:
    for path in files():
        copy = tmp_path / path.relative_to(REPO)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
    copies = files(tmp_path)
    first = {image: "sha256:" + f"{n:x}" * 64 for n, image in enumerate(sorted(IMAGES), start=1)}
    pin_all(copies, first.__getitem__)
    pinned = references(copies)
    assert all(r.pinned for r in pinned)
    assert {r.image for r in pinned} == {f"{image}@{digest}" for image, digest in first.items()}
    dockerfile = (tmp_path / "Dockerfile").read_text()
    assert f"FROM python:3.11-slim@{first['python:3.11-slim']} AS build" in dockerfile
    again = {image: "sha256:" + "f" * 64 for image in IMAGES}
    pin_all(copies, again.__getitem__)
    assert {r.image for r in references(copies)} == {f"{image}@sha256:{'f' * 64}" for image in IMAGES}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("postgres:17", ("registry-1.docker.io", "library/postgres", "17")),
        ("nats", ("registry-1.docker.io", "library/nats", "latest")),
        ("bitnami/redis:7", ("registry-1.docker.io", "bitnami/redis", "7")),
        ("ghcr.io/cloudnative-pg/postgresql:17", ("ghcr.io", "cloudnative-pg/postgresql", "17")),
        ("localhost:5000/motcua-base:1", ("localhost:5000", "motcua-base", "1")),
    ],
)
def test_an_image_name_is_read_as_registry_repository_and_tag(
    image: str, expected: tuple[str, str, str]
) -> None:
    assert registry_and_name(image) == expected
