"""Typed settings read once from the environment.

Profiles: ``development`` (the demo default, SQLite), ``testing`` and ``production``.
Production refuses
to start with unsafe settings; the database-role check lives in ``tenants.roles`` because it needs a
connection.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the known default production refuses
PROFILES = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says what to set."""


def _sqlite_default() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'gerai.sqlite3'}"


def normalise_db_url(url: str) -> str:
    """Let operators write plain ``postgresql://`` URLs; the app always uses psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    database_url: str = field(default_factory=_sqlite_default)
    migration_database_url: str = ""
    redis_url: str | None = None
    today_override: dt.date | None = None
    secrets_key: str | None = None
    trusted_proxies: int = 0
    statement_timeout_ms: int = 5000
    job_statement_timeout_ms: int = 600_000
    queue_prefix: str = ""
    log_level: str = "INFO"
    # RQ workers: how soon a dead worker's job is noticed (see worker/runner.py for the arithmetic).
    worker_ttl: int = 35
    worker_maintenance_interval: int = 20
    job_heartbeat_interval: int = 10
    job_heartbeat_grace: int = 45

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def owner_database_url(self) -> str:
        return self.migration_database_url or self.database_url

    def check_production(self) -> None:
        """Refuse the unsafe settings a production deployment must never run with."""
        if not self.is_production:
            return
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters")
        if self.is_sqlite:
            raise ConfigError("DATABASE_URL must point at PostgreSQL in production, not SQLite")
        if not self.migration_database_url:
            raise ConfigError("MIGRATION_DATABASE_URL (the owner role) must be set in production")


def _parse_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"GERAI_TODAY must be YYYY-MM-DD, got {raw!r}") from exc


def _parse_int(name: str, raw: str | None, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _default(name: str) -> int:
    return int(Settings.__dataclass_fields__[name].default)  # type: ignore[arg-type]


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read the environment (or the mapping given) into a Settings object."""
    env = os.environ if environ is None else environ
    profile = env.get("GERAI_ENV", "development")
    if profile not in PROFILES:
        raise ConfigError(f"GERAI_ENV must be one of {', '.join(PROFILES)}, got {profile!r}")
    today_raw = env.get("GERAI_TODAY")
    today = _parse_date(today_raw) if today_raw and profile != "production" else None
    database_url = normalise_db_url(env.get("DATABASE_URL") or _sqlite_default())
    migration_url = normalise_db_url(env.get("MIGRATION_DATABASE_URL", ""))
    values: dict[str, object] = {
        "env": profile,
        "secret_key": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "database_url": database_url,
        "migration_database_url": migration_url,
        "redis_url": env.get("REDIS_URL") or None,
        "today_override": today,
        "secrets_key": env.get("SECRETS_KEY") or None,
        "trusted_proxies": _parse_int("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES"), 0),
        "statement_timeout_ms": _parse_int(
            "STATEMENT_TIMEOUT_MS", env.get("STATEMENT_TIMEOUT_MS"), 5000
        ),
        "queue_prefix": env.get("GERAI_QUEUE_PREFIX", profile),
        **{
            name.lower(): max(1, _parse_int(name, env.get(name), _default(name.lower())))
            for name in (
                "WORKER_TTL", "WORKER_MAINTENANCE_INTERVAL", "JOB_HEARTBEAT_INTERVAL",
                "JOB_HEARTBEAT_GRACE",
            )
        },
        "log_level": env.get("LOG_LEVEL", "INFO").upper(),
    }
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    settings.check_production()
    return settings
