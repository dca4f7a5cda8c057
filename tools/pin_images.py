"""Pin every third-party image the deployment names (Dockerfile, docker-compose.yml, deploy/k8s) to its
digest, so that a rebuild or a new node gets the very image that was tested:

    python -m tools.pin_images            # resolve each tag on its registry, write `tag@sha256:...`
    python -m tools.pin_images --check    # exit 1 and list the references not pinned yet

A pinned reference keeps its tag for the reader (`postgres:17@sha256:...`); the digest is what the
runtime pulls. Run it where the registries are reachable (the development machines of this project
reach PyPI and Debian only), and again to move to a newer image on purpose: it re-resolves the tags.
Our own image (`motcua`) is left alone: the deployment's pipeline sets it.
"""

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
FILES = ("Dockerfile", "docker-compose.yml", "deploy/k8s/**/*.yaml")
# `FROM <image>`, `image: <image>`, CloudNativePG's `imageName: <image>`.
_REFERENCE = re.compile(r"^(\s*(?:FROM|image:|imageName:)\s+)([^\s#]+)", re.MULTILINE)
_OWN = re.compile(r"^motcua(:|$)")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# A multi-platform image's digest is its index's: ask for one first.
_MANIFESTS = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


@dataclass(frozen=True)
class Reference:
    path: Path
    image: str  # as written, `postgres:17` or `postgres:17@sha256:...`

    @property
    def pinned(self) -> bool:
        return bool(_DIGEST.search(self.image))

    @property
    def tagged(self) -> str:
        return _DIGEST.sub("", self.image)


def files(root: Path = REPO) -> list[Path]:
    return sorted({path for pattern in FILES for path in root.glob(pattern)})


def references(paths: Iterable[Path]) -> list[Reference]:
    """The third-party images named in `paths`, in order."""
    return [
        Reference(path, match[2])
        for path in paths
        for match in _REFERENCE.finditer(path.read_text(encoding="utf-8"))
        if not _OWN.match(match[2])
    ]


def pinned(text: str, digests: dict[str, str]) -> str:
    """`text` with each image in `digests` (by its tagged name) written `tag@digest`."""

    def pin(match: re.Match[str]) -> str:
        tagged = _DIGEST.sub("", match[2])
        return match[1] + (f"{tagged}@{digests[tagged]}" if tagged in digests else match[2])

    return _REFERENCE.sub(pin, text)


def registry_and_name(image: str) -> tuple[str, str, str]:
    """`postgres:17` → (`registry-1.docker.io`, `library/postgres`, `17`)."""
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "latest")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest, tag
    return "registry-1.docker.io", name if rest else f"library/{name}", tag


def resolve(image: str, http: httpx.Client) -> str:
    """The digest `image`'s tag points to now, from its registry (anonymous pull token)."""
    registry, name, tag = registry_and_name(image)
    url = f"https://{registry}/v2/{name}/manifests/{tag}"
    response = http.head(url, headers={"Accept": _MANIFESTS})
    if response.status_code == 401:  # the registry names where to get a token
        challenge = dict(re.findall(r'(\w+)="([^"]*)"', response.headers.get("www-authenticate", "")))
        realm = challenge.pop("realm")
        challenge.setdefault("scope", f"repository:{name}:pull")
        token = http.get(realm, params=challenge).raise_for_status().json()
        bearer = token.get("token") or token["access_token"]
        response = http.head(url, headers={"Accept": _MANIFESTS, "Authorization": f"Bearer {bearer}"})
    response.raise_for_status()
    return str(response.headers["docker-content-digest"])


def pin_all(paths: list[Path], resolver: Callable[[str], str]) -> dict[str, str]:
    """Every image of `paths` resolved once and written pinned; returns what each tag resolved to."""
    digests = {tagged: resolver(tagged) for tagged in sorted({r.tagged for r in references(paths)})}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if (new := pinned(text, digests)) != text:
            path.write_text(new, encoding="utf-8")
    return digests


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="list the references not pinned; exit 1 if any")
    args = parser.parse_args()
    paths = files()
    if args.check:
        loose = [r for r in references(paths) if not r.pinned]
        for reference in loose:
            print(f"{reference.path.relative_to(REPO)}: {reference.image} is not pinned by digest")
        sys.exit(1 if loose else 0)
    with httpx.Client(timeout=30, follow_redirects=True) as http:
        for tagged, digest in pin_all(paths, lambda image: resolve(image, http)).items():
            print(f"{tagged}@{digest}")


if __name__ == "__main__":
    main()
