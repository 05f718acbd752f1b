"""The ``gerai`` command as an operator uses it: one clear line on errors, no tracebacks."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from app.cli import db_cli, demo_cmd, tenants_cli, tokens_cli, users_cli
from tenants.context import tenant_context
from tenants.db import db


def _run(app, group, *args, input=None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    with app.app_context():
        result = runner.invoke(group, list(args), input=input, catch_exceptions=False)
    db.remove()
    return result


def test_tenants_create_list_disable_enable_rename(app, database) -> None:
    created = _run(
        app, tenants_cli, "create", "kud-maju", "--name", "KUD Maju", "--timezone", "Asia/Makassar"
    )
    assert created.exit_code == 0 and created.stdout.strip() == "kud-maju\tKUD Maju\tactive\tKUD"
    assert _run(app, tenants_cli, "disable", "kud-maju").stdout.strip().endswith("\tdisabled")
    listed = _run(app, tenants_cli, "list")
    assert "kud-maju\tKUD Maju\tdisabled\tKUD" in listed.stdout.splitlines()
    assert _run(app, tenants_cli, "enable", "kud-maju").stdout.strip().endswith("\tactive")
    renamed = _run(app, tenants_cli, "rename", "kud-maju", "--name", "KUD Maju Jaya")
    assert renamed.stdout.strip() == "kud-maju\tKUD Maju Jaya\tactive"
    # Every platform write is in the coop's own audit log.
    from tenants.audit import AuditEvent
    from tenants.context import tenant_context
    from tenants.door import resolve_slug

    with app.app_context():
        ref = resolve_slug("kud-maju")
        db.session.rollback()
        with tenant_context(ref):
            logged = db.session.execute(
                sa.select(AuditEvent.action, AuditEvent.actor).order_by(AuditEvent.at)
            ).all()
            db.session.rollback()
        db.remove()
    assert logged == [
        ("tenant.create", "cli"), ("tenant.disable", "cli"), ("tenant.enable", "cli"),
        ("tenant.rename", "cli"),
    ]


def test_bad_arguments_are_one_clear_line(app, database) -> None:
    for args in (
        ("create", "API", "--name", "x"),
        ("create", "api", "--name", "x"),
        ("create", "ok-slug", "--name", "x", "--timezone", "Mars/Base"),
        ("disable", "no-such-coop"),
    ):
        result = _run(app, tenants_cli, *args)
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(
            "Error:"
        ), args
    _run(app, tenants_cli, "create", "dup-coop", "--name", "x")
    dup = _run(app, tenants_cli, "create", "dup-coop", "--name", "y")
    assert dup.exit_code != 0 and "already exists" in dup.stderr


def test_users_and_tokens_create(app, database, client) -> None:
    _run(app, tenants_cli, "create", "kud-satu", "--name", "KUD Satu")
    made = _run(
        app,
        users_cli,
        "create",
        "kud-satu",
        "Admin@Satu.id",
        "--role",
        "admin",
        "--password-stdin",
        input="kata-sandi-panjang\n",
    )
    assert made.exit_code == 0, made.output
    link = _run(app, users_cli, "create", "kud-satu", "kasir@satu.id", "--role", "cashier")
    assert "/kud-satu/password/" in link.stdout
    weak = _run(
        app,
        users_cli,
        "create",
        "kud-satu",
        "x@satu.id",
        "--role",
        "admin",
        "--password-stdin",
        input="short\n",
    )
    assert weak.exit_code != 0 and "Error:" in weak.stderr
    token = _run(app, tokens_cli, "create", "kud-satu", "admin@satu.id")
    assert token.exit_code == 0 and len(token.stdout.splitlines()) == 1
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.stdout.strip()}"})
    assert me.get_json()["email"] == "admin@satu.id" and me.get_json()["coop"]["slug"] == "kud-satu"
    missing = _run(app, tokens_cli, "create", "kud-satu", "ghost@satu.id")
    assert missing.exit_code != 0 and "no user" in missing.stderr


def test_demo_seeds_once(app, database) -> None:
    from app.auth.models import User
    from tenants.door import resolve_slug

    first = _run(app, demo_cmd)
    assert first.exit_code == 0 and "admin@kmp.example.id" in first.stdout
    second = _run(app, demo_cmd)
    assert second.exit_code == 0 and "not seeded" in second.stderr
    with app.app_context():
        ref = resolve_slug("kmp-sungai-lumpur")
        db.session.rollback()
        with tenant_context(ref):
            roles = sorted(db.session.scalars(sa.select(User.role)))
            db.session.rollback()
    assert roles == ["admin", "cashier", "mentor", "pengawas"]


def test_db_upgrade_is_idempotent(app, database) -> None:
    result = _run(app, db_cli, "upgrade")
    assert result.exit_code == 0 and "latest revision" in result.stderr
