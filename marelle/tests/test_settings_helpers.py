"""Settings helpers: a wrong value stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest

from marelle.database import database_from_url, sqlite_database
from marelle.env import ImproperSetting, env_bool, env_choice, env_int, env_list, env_str


def test_env_bool(monkeypatch):
    monkeypatch.setenv("X_FLAG", "oui")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "peut-être")
    with pytest.raises(ImproperSetting, match="X_FLAG='peut-être' — attendu : true ou false"):
        env_bool("X_FLAG", False)


def test_env_int_bounds(monkeypatch):
    monkeypatch.setenv("X_PORT", "abc")
    with pytest.raises(ImproperSetting, match="un nombre entier"):
        env_int("X_PORT", 25)
    monkeypatch.setenv("X_PORT", "0")
    with pytest.raises(ImproperSetting, match="≥ 1"):
        env_int("X_PORT", 25, minimum=1)
    monkeypatch.delenv("X_PORT")
    assert env_int("X_PORT", 25) == 25


def test_env_str_reads_secret_files(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("X_KEY_FILE", str(secret))
    assert env_str("X_KEY") == "s3cr3t"
    monkeypatch.setenv("X_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperSetting, match="un fichier lisible"):
        env_str("X_KEY")


def test_env_list_and_choice(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.fr, b.fr,")
    assert env_list("X_HOSTS", []) == ["a.fr", "b.fr"]
    monkeypatch.setenv("X_ZONE", "D")
    with pytest.raises(ImproperSetting, match="A ou B ou C"):
        env_choice("X_ZONE", "C", {"A", "B", "C"})


def test_database_url():
    settings = database_from_url(
        "postgresql://marelle:p%40ss@db.local:5433/marelle?sslmode=require"
    )
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["USER"], settings["PASSWORD"], settings["HOST"], settings["PORT"]) == (
        "marelle",
        "p@ss",
        "db.local",
        "5433",
    )
    assert settings["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(ImproperSetting, match="DATABASE_URL"):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperSetting, match="nom de base"):
        database_from_url("postgresql://localhost/")


def test_sqlite_is_immediate_with_wal(tmp_path):
    settings = sqlite_database(tmp_path / "db.sqlite3")
    assert settings["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings["OPTIONS"]["init_command"]
