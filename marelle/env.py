"""Read settings from environment variables through small typed helpers.

A wrong value stops start-up with a message naming the variable and what is expected.
"""

from __future__ import annotations

import os
from pathlib import Path


class ImproperSetting(SystemExit):
    """Stop start-up with a clear message about one environment variable."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"Configuration invalide : {name}={value!r} — attendu : {expected}.")


def env_str(name: str, default: str = "") -> str:
    """Return a string setting; `NAME_FILE` (a path) takes precedence, for secrets."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperSetting(f"{name}_FILE", file_path, "un fichier lisible") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean setting written as 1/0, true/false, yes/no, on/off."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on", "oui"}:
        return True
    if lowered in {"0", "false", "no", "off", "non"}:
        return False
    raise ImproperSetting(name, raw, "true ou false")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return an integer setting, optionally bounded below."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperSetting(name, raw, "un nombre entier") from exc
    if minimum is not None and value < minimum:
        raise ImproperSetting(name, raw, f"un nombre entier ≥ {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list setting."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    """Return a setting that must be one of `choices`."""
    value = os.environ.get(name, default) or default
    if value not in choices:
        raise ImproperSetting(name, value, " ou ".join(sorted(choices)))
    return value


def local_secret_key(path: Path) -> str:
    """Return the key stored at `path`, creating it (mode 600) on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(key, encoding="utf-8")
    return key
