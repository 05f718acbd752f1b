"""``gerai users set-role | activate | deactivate | password-link``: an operator's way back in."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import User
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import login


def _state(app, ref, email: str) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(ref):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        state = (user.role, user.active)
        db.session.rollback()
    return state


def _gerai(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["users", *args])


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_set_role_activate_and_deactivate(app, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    make_user(a, "cashier", email="kasir@a.id")
    done = _gerai(app, "set-role", a.slug, "Kasir@A.id", "pengawas")
    assert done.exit_code == 0, done.output
    assert _state(app, a, "kasir@a.id") == ("pengawas", True)
    assert _gerai(app, "deactivate", a.slug, "kasir@a.id").exit_code == 0
    assert _state(app, a, "kasir@a.id") == ("pengawas", False)
    assert _gerai(app, "activate", a.slug, "kasir@a.id").exit_code == 0
    assert _state(app, a, "kasir@a.id") == ("pengawas", True)


def test_the_last_active_admin_stays_protected(app, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    demote = ("set-role", a.slug, "admin@a.id", "cashier")
    for args in (demote, ("deactivate", a.slug, "admin@a.id")):
        line = _one_line_error(_gerai(app, *args))
        assert "admin" in line
    assert _state(app, a, "admin@a.id") == ("admin", True)


def test_one_line_errors_for_unknown_coop_user_and_role(app, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    assert "nowhere" in _one_line_error(_gerai(app, "activate", "nowhere", "admin@a.id"))
    assert "siapa@a.id" in _one_line_error(_gerai(app, "deactivate", a.slug, "siapa@a.id"))
    line = _one_line_error(_gerai(app, "set-role", a.slug, "admin@a.id", "raja"))
    assert "raja" in line and "cashier" in line
    assert "siapa@a.id" in _one_line_error(_gerai(app, "password-link", a.slug, "siapa@a.id"))


def test_password_link_prints_only_a_working_one_time_link(app, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    result = _gerai(app, "password-link", a.slug, "admin@a.id")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"/{a.slug}/password/")
    web = app.test_client()
    form = web.get(lines[0])
    assert form.status_code == 200
    from tests.conftest import _csrf_from

    csrf = _csrf_from(form.get_data(as_text=True))
    new = "kata-sandi-baru-1"
    set_it = web.post(lines[0], data={"csrf_token": csrf, "password": new, "confirm": new})
    assert set_it.status_code == 302
    assert login(app.test_client(), a.slug, "admin@a.id", new).status_code == 302
    assert web.get(lines[0]).status_code == 404  # one time only
    base = _gerai(app, "password-link", a.slug, "admin@a.id", "--base-url", "https://gerai.example/")
    assert base.stdout.startswith(f"https://gerai.example/{a.slug}/password/")


def test_users_create_prints_only_the_link_or_nothing(app, make_tenant) -> None:
    a = make_tenant()
    made = app.test_cli_runner().invoke(
        args=["users", "create", a.slug, "kasir@a.id", "--role", "cashier",
              "--base-url", "https://gerai.example"]
    )
    assert made.exit_code == 0, made.output
    lines = made.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"https://gerai.example/{a.slug}/password/")
    assert "kasir@a.id" in made.stderr
    with_password = app.test_cli_runner().invoke(
        args=["users", "create", a.slug, "admin@a.id", "--role", "admin", "--password-stdin"],
        input="kata-sandi-panjang\n",
    )
    assert with_password.exit_code == 0, with_password.output
    assert with_password.stdout == ""
    assert _state(app, a, "admin@a.id") == ("admin", True)
    assert login(app.test_client(), a.slug, "admin@a.id", "kata-sandi-panjang").status_code == 302
