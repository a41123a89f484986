"""Where the page templates and the static files are: inside the package once installed.

The project keeps them at the top of the checkout (`templates/`, `static/`, beside the package);
the wheel carries them inside the package as `calendar_app/templates` and `calendar_app/static`
(see `package-dir` in pyproject.toml). An installed package finds them inside itself; a checkout,
run in place or installed editable, beside itself.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _folder(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


TEMPLATES_DIR = _folder("templates")
STATIC_DIR = _folder("static")
