"""Build Django's DATABASES setting from DATABASE_URL, or the embedded SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from marelle.env import ImproperSetting


def sqlite_database(path: Path) -> dict[str, Any]:
    """Return SQLite settings safe for concurrent writers: WAL, IMMEDIATE, busy timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers never both read
            # a capacity counter and then fail to upgrade their lock (SQLITE_BUSY).
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
            ),
        },
        "TEST": {"NAME": str(path.parent / "test-marelle.sqlite3")},
    }


def database_from_url(url: str) -> dict[str, Any]:
    """Return PostgreSQL settings from a postgres:// or postgresql:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperSetting("DATABASE_URL", url, "une URL postgresql://utilisateur@hôte/base")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperSetting("DATABASE_URL", url, "un nom de base après l'hôte")
    options: dict[str, Any] = {}
    query = parse_qs(parts.query)
    if "sslmode" in query:
        options["sslmode"] = query["sslmode"][0]
    host = parts.hostname or ""
    if "host" in query:  # a Unix socket directory: postgresql:///marelle?host=/var/run/postgresql
        host = query["host"][0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
