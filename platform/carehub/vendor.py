"""The browser libraries that deploy/vendor.sh copies from the npm registry into static/vendor/<name>-<version>/,
at the versions pinned in vendor.json beside this module: templates and views name them through here, so a version
is written in one place only."""

import json
from pathlib import Path

PINNED = json.loads(Path(__file__).with_name("vendor.json").read_text())


def static_path(name: str, file: str) -> str:
    """The static path of one vendored file: static_path("idb", "umd.js") -> "vendor/idb-8.0.4/umd.js"."""
    return f"vendor/{name}-{PINNED[name]['version']}/{file}"
