"""Running Alembic from the app: always as the owner role, then granting to the application role."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from config import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"
    )
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    owner_url = settings.owner_database_url
    if owner_url.startswith("sqlite"):
        _ensure_sqlite_dir(owner_url)
    command.upgrade(alembic_config(owner_url), revision)
    grant(settings)


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings.owner_database_url), revision)


def grant(settings: Settings) -> None:
    """Grant row access to the application role when it differs from the owner (PostgreSQL)."""
    import app.models  # noqa: F401 - table flags (no_delete) come from the model registry
    from tenants.roles import grant_app_role

    owner, app_url = make_url(settings.owner_database_url), make_url(settings.database_url)
    if owner.get_backend_name() != "postgresql" or owner.username == app_url.username:
        return
    engine = sa.create_engine(settings.owner_database_url)
    try:
        with engine.begin() as conn:
            grant_app_role(conn, app_url.username or "")
    finally:
        engine.dispose()


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
