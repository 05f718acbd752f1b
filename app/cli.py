"""The ``gerai`` command: a Flask CLI with the app preset (``flask --app wsgi`` is the same).

Errors go to stderr as one line that says what to do, with a non-zero exit and no traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from tenants.db import db


def _settings():  # type: ignore[no-untyped-def]
    return current_app.config["GERAI"]


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the app's own validation errors into one clear line on stderr.

    The command is its own unit of work: the coop it entered is left behind when it ends.
    """
    from app.auth.services import AuthError
    from tenants.context import tenant_context
    from tenants.provision import ProvisionError

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with tenant_context(None):
            try:
                return fn(*args, **kwargs)
            except (ProvisionError, AuthError, ValueError) as exc:
                db.session.rollback()
                raise click.ClickException(str(exc)) from None

    return wrapper


db_cli = click.Group("db", help="Database migrations.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate to head as the owner role and grant the application role."""
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    from app import migrate

    try:
        migrate.upgrade(_settings(), revision)
    except Exception as exc:  # noqa: BLE001 - operator gets one line
        raise click.ClickException(f"migration failed: {exc.__class__.__name__}: {exc}") from None
    if _settings().is_production:
        from app import health

        problem = health.check_database()
        if problem:
            raise click.ClickException(f"migrated, but the app cannot serve: {problem}")
    click.echo("database is at the latest revision", err=True)


@click.command("check")
@with_appcontext
def check_cmd() -> None:
    """Check this deployment can serve: the database answers as a role row-level security binds,
    at the latest revision, and Redis answers. One line; a non-zero exit on the first problem.

    Run it before starting (or after changing) the web and worker processes: unlike a check at
    boot, it cannot take a running site down.
    """
    from app import health

    settings = _settings()
    health.guard_role_on_connect()
    problem = (
        health.check_database() or health.check_schema(settings)
        or health.check_redis(settings.redis_url)
    )
    if problem:
        raise click.ClickException(problem)
    click.echo("ok: database role, schema and queue are ready", err=True)


@db_cli.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Migrate down (default: to an empty database)."""
    from app import migrate

    migrate.downgrade(_settings(), revision)


tenants_cli = click.Group("tenants", help="Cooperatives on this deployment.")


@tenants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The cooperative's full name.")
@click.option("--timezone", default="Asia/Jakarta", show_default=True)
@click.option("--code", default=None, help="Receipt code, 2-8 letters/digits (default: from slug).")
@friendly
def tenants_create(slug: str, name: str, timezone: str, code: str | None) -> None:
    from tenants.provision import create_tenant

    tenant = create_tenant(slug, name, timezone, code=code, actor="cli")
    db.session.commit()
    click.echo(f"{tenant.slug}\t{tenant.name}\t{tenant.status}\t{tenant.code}")


@tenants_cli.command("list")
def tenants_list() -> None:
    from tenants.provision import list_tenants

    for tenant in list_tenants():
        click.echo(f"{tenant.slug}\t{tenant.name}\t{tenant.status}\t{tenant.code}")


def _set_status(slug: str, enabled: bool) -> None:
    from tenants.provision import set_status

    tenant = set_status(slug, enabled, actor="cli")
    db.session.commit()
    click.echo(f"{tenant.slug}\t{tenant.name}\t{tenant.status}")


@tenants_cli.command("disable")
@click.argument("slug")
@friendly
def tenants_disable(slug: str) -> None:
    _set_status(slug, False)


@tenants_cli.command("enable")
@click.argument("slug")
@friendly
def tenants_enable(slug: str) -> None:
    _set_status(slug, True)


@tenants_cli.command("rename")
@click.argument("slug")
@click.option("--name", required=True, help="The cooperative's new full name.")
@friendly
def tenants_rename(slug: str, name: str) -> None:
    from tenants.provision import rename_tenant

    tenant = rename_tenant(slug, name, actor="cli")
    db.session.commit()
    click.echo(f"{tenant.slug}\t{tenant.name}\t{tenant.status}")


def _in_tenant(slug: str):  # type: ignore[no-untyped-def]
    from tenants.context import set_tenant
    from tenants.provision import get_tenant

    ref = get_tenant(slug).ref()
    db.session.rollback()
    set_tenant(ref)
    return ref


users_cli = click.Group("users", help="Staff of a cooperative.")


@users_cli.command("create")
@click.argument("slug")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "cashier", "pengawas", "mentor"])
)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--base-url", default="", help="The site's address, e.g. https://gerai.example")
@with_appcontext
@friendly
def users_create(
    slug: str, email: str, role: str, name: str, password_stdin: bool, base_url: str
) -> None:
    """Add staff; without --password-stdin the one-time link is the only thing on stdout."""
    from app.auth import services

    _in_tenant(slug)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    actor = services.Actor(label="cli")
    user = services.create_user(email, role, actor, name=name, password=password)
    token = None if password else services.issue_password_link(user, actor)
    db.session.commit()
    click.echo(f"created {user.email} ({role})", err=True)
    if token:
        click.echo("set the password within 48 hours at this link:", err=True)
        click.echo(_password_link(slug, token, base_url))


def _password_link(slug: str, token: str, base_url: str) -> str:
    """The link's path, after ``base_url`` when given (a command cannot know the site's host)."""
    from flask import url_for

    with current_app.test_request_context():
        path = url_for("auth.password_set", tenant_slug=slug, token=token)
    return base_url.rstrip("/") + path


def _staff(slug: str, email: str):  # type: ignore[no-untyped-def]
    """The user EMAIL at coop SLUG, or a one-line error."""
    from app.auth import services

    _in_tenant(slug)
    user = services.find_user_by_email(email.strip())
    if user is None:
        db.session.rollback()  # leave no transaction open in the coop behind the error
        raise click.ClickException(f"no user {email} at {slug} (see 'gerai users create')")
    return user


OPERATOR = "cli"


@users_cli.command("set-role")
@click.argument("slug")
@click.argument("email")
@click.argument("role")
@friendly
def users_set_role(slug: str, email: str, role: str) -> None:
    """Give EMAIL at SLUG the ROLE (admin, cashier, pengawas, mentor); its API tokens end."""
    from app.auth import services
    from app.auth.models import ROLES

    if role not in ROLES:
        raise click.ClickException(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    user = _staff(slug, email)
    services.set_role(user, role, services.Actor(label=OPERATOR))
    db.session.commit()
    click.echo(f"{user.email} is now {role}", err=True)


def _set_active(slug: str, email: str, active: bool) -> None:
    from app.auth import services

    user = _staff(slug, email)
    services.set_active(user, active, services.Actor(label=OPERATOR))
    db.session.commit()
    click.echo(f"{user.email} is now {'active' if active else 'deactivated'}", err=True)


@users_cli.command("activate")
@click.argument("slug")
@click.argument("email")
@friendly
def users_activate(slug: str, email: str) -> None:
    """Let EMAIL at SLUG sign in again."""
    _set_active(slug, email, True)


@users_cli.command("deactivate")
@click.argument("slug")
@click.argument("email")
@friendly
def users_deactivate(slug: str, email: str) -> None:
    """End every session and API token of EMAIL at SLUG (not the coop's last active admin)."""
    _set_active(slug, email, False)


@users_cli.command("password-link")
@click.argument("slug")
@click.argument("email")
@click.option("--base-url", default="", help="The site's address, e.g. https://gerai.example")
@with_appcontext
@friendly
def users_password_link(slug: str, email: str, base_url: str) -> None:
    """Print a one-time link (48 hours) to set the password; the only thing on stdout."""
    from app.auth import services

    user = _staff(slug, email)
    token = services.issue_password_link(user, services.Actor(label=OPERATOR))
    db.session.commit()
    click.echo(_password_link(slug, token, base_url))


tokens_cli = click.Group("tokens", help="API tokens.")


@tokens_cli.command("create")
@click.argument("slug")
@click.argument("email")
@click.option("--label", default="cli")
@friendly
def tokens_create(slug: str, email: str, label: str) -> None:
    """Print a new API token for that user: the token is the only thing on stdout."""
    from app.auth import services

    _in_tenant(slug)
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email} at {slug} (see 'gerai users create')")
    token = services.create_api_token(user, services.Actor(label="cli"), label)
    db.session.commit()
    click.echo(token)


@click.command("demo")
@friendly
def demo_cmd() -> None:
    """Seed the demo cooperatives and staff into an empty database."""
    from app import demo

    if not demo.seed():
        click.echo("the database already has cooperatives; demo not seeded", err=True)
    demo.print_logins()


@click.command("sandbox")
@click.argument("provider", type=click.Choice(["xendit", "midtrans"]))
@click.option("--port", default=8900, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--callback-url", default=None, help="Where the sandbox posts its webhooks.")
@click.option("--callback-token", default=None, help="Xendit x-callback-token (random if unset).")
def sandbox_cmd(provider: str, port: int, host: str, callback_url: str | None,
                callback_token: str | None) -> None:
    """Run a local stand-in of a payment provider's API (never talks to the real one)."""
    from sandboxes.cli import serve

    serve(provider, host, port, callback_url, callback_token)


def init_app(app: Flask) -> None:
    for group in (db_cli, tenants_cli, users_cli, tokens_cli, demo_cmd, check_cmd, sandbox_cmd):
        app.cli.add_command(group)


def _create_app() -> Flask:
    from app import create_app

    return create_app()


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=True, add_version_option=False)
    cli.main(prog_name="gerai")
