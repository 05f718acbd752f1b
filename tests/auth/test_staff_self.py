"""Staff management: no self-deactivation or self-demotion, every deactivation confirmed, new staff
default to cashier."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from app.auth.models import User
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import _csrf_from, login


def _user(app, ref, user_id: uuid.UUID) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(ref):
        user = db.session.scalar(sa.select(User).where(User.id == user_id))
        state = (user.role, user.active)
        db.session.rollback()
    return state


def _card(page: str, email: str) -> str:
    """The staff page's card of one person."""
    for card in re.findall(r'<li class="card">.*?</li>', page, re.S):
        if email in card:
            return card
    raise AssertionError(f"no card for {email}")


def test_an_admin_cannot_deactivate_or_demote_themselves(
    app, client, make_tenant, make_user
) -> None:
    a = make_tenant()
    me = make_user(a, "admin", email="admin@a.id")
    make_user(a, "admin", email="kedua@a.id")  # another admin: not the last-admin rule at work
    login(client, a.slug, "admin@a.id")
    page = client.get(f"/{a.slug}/staff").get_data(as_text=True)
    mine = _card(page, "admin@a.id")
    # The controls are not offered on one's own card...
    assert "/deactivate" not in mine and 'name="role"' not in mine
    assert "/deactivate" in _card(page, "kedua@a.id")
    # ...and the server refuses them anyway, with a clear message.
    csrf = _csrf_from(page)
    refused = client.post(
        f"/{a.slug}/staff/{me}/deactivate", data={"csrf_token": csrf, "confirm": "1"},
        follow_redirects=True,
    )
    assert "tidak bisa menonaktifkan akun Anda sendiri" in refused.get_data(as_text=True)
    demoted = client.post(
        f"/{a.slug}/staff/{me}/role", data={"csrf_token": csrf, "role": "cashier"},
        follow_redirects=True,
    )
    assert "tidak bisa mengubah peran Anda sendiri" in demoted.get_data(as_text=True)
    assert _user(app, a, me) == ("admin", True)
    assert client.get(f"/{a.slug}/staff").status_code == 200  # still signed in, still admin


def test_every_deactivation_is_confirmed_first(app, client, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    kasir = make_user(a, "cashier", email="kasir@a.id")
    login(client, a.slug, "admin@a.id")
    page = client.get(f"/{a.slug}/staff").get_data(as_text=True)
    csrf = _csrf_from(page)
    # One tap on the list does not deactivate: it asks first (a page, so it works without JS).
    tap = client.post(f"/{a.slug}/staff/{kasir}/deactivate", data={"csrf_token": csrf})
    assert tap.status_code == 303
    assert _user(app, a, kasir) == ("cashier", True)
    ask = client.get(tap.headers["Location"])
    assert ask.status_code == 200
    question = ask.get_data(as_text=True)
    assert "kasir@a.id" in question and 'name="confirm"' in question
    done = client.post(
        f"/{a.slug}/staff/{kasir}/deactivate",
        data={"csrf_token": _csrf_from(question), "confirm": "1"},
    )
    assert done.status_code == 302
    assert _user(app, a, kasir) == ("cashier", False)
    # Activating again needs no question.
    client.post(f"/{a.slug}/staff/{kasir}/activate", data={"csrf_token": csrf})
    assert _user(app, a, kasir) == ("cashier", True)


def test_new_staff_default_to_cashier(app, client, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    login(client, a.slug, "admin@a.id")
    page = client.get(f"/{a.slug}/staff").get_data(as_text=True)
    add_form = page[page.index('action="/' + a.slug + '/staff"'):]
    selected = re.search(r'<select[^>]*name="role".*?</select>', add_form, re.S).group(0)
    assert re.search(r'<option selected value="cashier"|<option value="cashier" selected', selected)
    added = client.post(
        f"/{a.slug}/staff", data={"csrf_token": _csrf_from(page), "email": "baru@a.id"}
    )
    assert added.status_code in (201, 302)
    with app.app_context(), tenant_context(a):
        role = db.session.scalar(sa.select(User.role).where(User.email == "baru@a.id"))
        db.session.rollback()
    assert role == "cashier"
