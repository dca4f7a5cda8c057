"""The dashboard's files: the page, its script and style sheet and the vendored Chart.js (see
`static/README.txt`), read once from `static/` beside this module, so nothing comes from a CDN:
centres' networks are often closed."""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

STATIC_DIR: Final = Path(__file__).parent / "static"
PAGE: Final = "dashboard.html"

_MEDIA_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


def _load(directory: Path) -> dict[str, StaticFile]:
    """Every file of `directory` (not below it) whose type we serve, read once: a few hundred kB."""
    files: dict[str, StaticFile] = {}
    for path in sorted(directory.iterdir()):
        media_type = _MEDIA_TYPES.get(path.suffix)
        if path.is_file() and media_type is not None:
            body = path.read_bytes()
            files[path.name] = StaticFile(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return files


FILES: Final = _load(STATIC_DIR)
