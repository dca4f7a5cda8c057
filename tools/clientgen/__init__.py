"""A Python client of a service, generated from its OpenAPI document by a maintained generator
(openapi-python-client), as the portal's developers generate theirs (issue #18).

The generator runs in a virtualenv of its own (`.venv/clientgen`, made on first use from
`requirements.lock`, with hashes): it pins an older httpx than the services use. The generated
client runs there too (it imports httpx, attrs and dateutil).
"""

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.devstack.launch import REPO

LOCK = Path(__file__).with_name("requirements.lock")
VENV = REPO / ".venv" / "clientgen"
# No post-hooks: they run ruff from PATH, which the generator's virtualenv is not on.
CONFIG: dict[str, object] = {"post_hooks": []}


def python() -> Path:
    """The generator's virtualenv's python, the virtualenv made or remade when the lock changed."""
    stamp = VENV / "lock.sha256"
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)  # noqa: S603 - our own command
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], check=True)  # noqa: S603 - our own command
        stamp.write_text(wanted)
    return VENV / "bin" / "python"


def document(service: str) -> dict[str, object]:
    """The service's OpenAPI document, as it serves it at /openapi.json."""
    os.environ.setdefault("MOTCUA_ENVIRONMENT", "development")  # building an app reads its settings
    module = importlib.import_module(f"services.{service}.app")
    document: dict[str, object] = module.create_app().openapi()
    return document


def generate(service: str, package: str, out: Path) -> Path:
    """`service`'s client as the Python package `package` under `out`; returns the package's path."""
    with tempfile.TemporaryDirectory() as work:
        spec, config = Path(work) / "openapi.json", Path(work) / "config.json"
        spec.write_text(json.dumps(document(service), ensure_ascii=False), encoding="utf-8")
        config.write_text(json.dumps({**CONFIG, "package_name_override": package}))
        target = out / package
        command = [str(python()), "-m", "openapi_python_client", "generate", "--path", str(spec)]
        command += ["--config", str(config), "--meta", "none", "--output-path", str(target), "--overwrite"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own command
    if done.returncode != 0:
        raise RuntimeError(f"openapi-python-client failed:\n{done.stdout}\n{done.stderr}")
    return target
