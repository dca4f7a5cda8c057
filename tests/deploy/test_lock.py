"""The locks hold what pyproject.toml declares, with hashes, and are what `make` and the image install.

requirements/dev.lock (runtime, `embedded` and `dev`) and requirements/runtime.lock (the image's),
written by `make lock`. A dependency added to pyproject.toml without `make lock` fails here, before a
new machine installs something CI never tested.
"""

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {"runtime": ROOT / "requirements" / "runtime.lock", "dev": ROOT / "requirements" / "dev.lock"}
SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: frozenset[str]


@cache
def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def instructions(path: Path) -> str:
    """The file without comments, continuation lines joined."""
    lines = (line.split("#", 1)[0].rstrip() for line in path.read_text(encoding="utf-8").splitlines())
    return re.sub(r"\\\n\s*", " ", "\n".join(lines))


@cache
def lock(name: str) -> dict[str, Pin]:
    """Each entry, `name==version --hash=sha256:... ...` over continuation lines, by package name."""
    pins: dict[str, Pin] = {}
    for line in instructions(LOCKS[name]).splitlines():
        if not line.strip():
            continue
        requirement, *hashes = line.split(" --hash=")
        pinned = Requirement(requirement)
        assert re.fullmatch(r"==[^,*]+", str(pinned.specifier)), f"{name}.lock: not a pin: {requirement}"
        assert all(SHA256.fullmatch(h.strip()) for h in hashes), f"{name}.lock: {line}"
        pins[canonicalize_name(pinned.name)] = Pin(
            Version(str(pinned.specifier)[2:]), frozenset(h.strip() for h in hashes)
        )
    return pins


def declared(*extras: str) -> list[Requirement]:
    """[project] dependencies and the named extras, without the project's own self-references."""
    project = pyproject()["project"]
    assert isinstance(project, dict)
    requirements = [Requirement(text) for text in project["dependencies"]]
    for extra in extras:
        requirements += [Requirement(text) for text in project["optional-dependencies"][extra]]
    return [r for r in requirements if canonicalize_name(r.name) != "motcua"]


def build_tools() -> list[Requirement]:
    text = (ROOT / "requirements" / "build.in").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [Requirement(line) for line in lines if line]


@pytest.mark.parametrize("name", LOCKS)
def test_every_lock_entry_is_an_exact_pin_with_sha256_hashes(name: str) -> None:
    pins = lock(name)
    assert pins
    unhashed = [package for package, pin in pins.items() if not pin.hashes]
    assert unhashed == [], f"{name}.lock: pins without a hash: {unhashed}"


@pytest.mark.parametrize("name", LOCKS)
def test_every_lock_says_its_platform_and_how_to_regenerate_it(name: str) -> None:
    head = LOCKS[name].read_text(encoding="utf-8").split("\n", 5)[:5]
    assert all(line.startswith("#") for line in head[:4])
    assert "Python 3.11 on Linux x86_64" in head[0]
    assert "`make lock`" in " ".join(head)


@pytest.mark.parametrize(("name", "extras"), [("runtime", ()), ("dev", ("embedded", "dev"))])
def test_every_declared_dependency_is_locked_at_a_version_it_allows(
    name: str, extras: tuple[str, ...]
) -> None:
    pins = lock(name)
    for requirement in [*declared(*extras), *build_tools()]:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pin = pins.get(canonicalize_name(requirement.name))
        assert pin is not None, f"{requirement} is not in {name}.lock: run `make lock`"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{name}.lock pins {requirement.name}=={pin.version}, outside {requirement}: run `make lock`"
        )


def test_the_lock_builds_the_project_with_the_backend_pyproject_names() -> None:
    build_system = pyproject()["build-system"]
    assert isinstance(build_system, dict)
    for text in build_system["requires"]:
        requirement = Requirement(text)
        for name in LOCKS:
            pin = lock(name)[canonicalize_name(requirement.name)]
            assert requirement.specifier.contains(pin.version), (
                f"{name}.lock: {requirement.name}=={pin.version}"
            )


def test_the_image_runs_the_versions_the_suite_tested() -> None:
    """runtime.lock is dev.lock's subset: same versions, same hashes."""
    dev = lock("dev")
    different = {package: pin for package, pin in lock("runtime").items() if dev.get(package) != pin}
    assert different == {}


@pytest.mark.parametrize(("name", "extras"), [("runtime", ()), ("dev", ("embedded", "dev"))])
def test_the_lock_holds_every_package_the_declared_ones_need(name: str, extras: tuple[str, ...]) -> None:
    """The dependency closure, read from the installed packages' metadata, which are the locked
    versions (`make` installs the lock): pip --require-hashes would refuse a missing one anyway."""
    pins = lock(name)
    wanted = [(requirement, "") for requirement in declared(*extras)]
    seen: set[tuple[str, str]] = set()
    while wanted:
        requirement, extra = wanted.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        package = canonicalize_name(requirement.name)
        assert package in pins, f"{package} (needed: {requirement}) is not in {name}.lock: run `make lock`"
        installed = Version(importlib.metadata.version(package))
        assert installed == pins[package].version, (
            f"{package} {installed} installed, {name}.lock pins {pins[package].version}: run `make`"
        )
        for wanted_extra in ("", *requirement.extras):
            if (package, wanted_extra) in seen:
                continue
            seen.add((package, wanted_extra))
            needs = importlib.metadata.requires(package) or []
            wanted += [(Requirement(text), wanted_extra) for text in needs]


def test_make_installs_the_dev_lock_with_hashes_then_the_project_alone() -> None:
    makefile = instructions(ROOT / "Makefile")
    stamp = re.search(r"^\$\(STAMP\):(.*)\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert stamp, "Makefile: no $(STAMP) rule"
    prerequisites, recipe = stamp.groups()
    assert "requirements/dev.lock" in prerequisites.split()
    installs = [line for line in recipe.splitlines() if "pip install" in line]
    assert len(installs) == 2, installs
    assert re.search(r"pip install .*--require-hashes -r requirements/dev\.lock\b", installs[0])
    assert re.search(r"pip install .*--no-deps --no-build-isolation -e \.$", installs[1])
    assert makefile.count("pip install") == 2, "Makefile: a pip install outside the lock's"


def test_make_lock_writes_both_locks_for_python_3_11_on_linux_with_hashes() -> None:
    makefile = instructions(ROOT / "Makefile")
    assert re.search(r"^lock:", makefile, re.MULTILINE)
    command = re.search(r"^LOCK = (.*)$", makefile, re.MULTILINE)
    assert command
    for flag in ("--generate-hashes", "--python-version 3.11", "--python-platform x86_64-unknown-linux-gnu"):
        assert flag in command.group(1)
    assert "-o requirements/dev.lock" in makefile
    assert "-c requirements/dev.lock -o requirements/runtime.lock" in makefile


def test_the_image_installs_the_runtime_lock_with_hashes_then_the_project_alone() -> None:
    dockerfile = instructions(ROOT / "Dockerfile")
    installs = re.findall(r"^RUN .*pip install .*$", dockerfile, re.MULTILINE)
    assert len(installs) == 2, installs
    assert re.search(r"pip install --require-hashes -r requirements/runtime\.lock$", installs[0])
    assert re.search(r"pip install --no-deps --no-build-isolation \.$", installs[1])
    assert re.search(r"^COPY requirements/runtime\.lock ", dockerfile, re.MULTILINE)
    assert "dev.lock" not in dockerfile


def test_the_image_bases_are_python_3_11_slim_by_tag_or_by_a_whole_digest() -> None:
    bases = re.findall(r"^FROM (\S+)", instructions(ROOT / "Dockerfile"), re.MULTILINE)
    assert bases
    for base in bases:
        assert re.fullmatch(r"python:3\.11-slim(@sha256:[0-9a-f]{64})?", base), base
