"""Sessions that end, links that void each other, secrets kept out of cookies and the audit log,
and throttling that stops guessing without locking the cashier out."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa

from app.auth import services
from app.auth.models import PasswordLink
from tenants.audit import AuditEvent
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import PASSWORD, _csrf_from, login


def _login_from(client, slug: str, email: str, password: str, address: str):  # type: ignore[no-untyped-def]
    env = {"REMOTE_ADDR": address}
    token = _csrf_from(client.get(f"/{slug}/login", environ_base=env).get_data(as_text=True))
    return client.post(
        f"/{slug}/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=env,
    )


def _try(client, tenant, password: str, address: str) -> int:  # type: ignore[no-untyped-def]
    """The status of signing in as the coop's cashier ``kasir@a.id`` from ``address``."""
    return _login_from(client, tenant.slug, "kasir@a.id", password, address).status_code


def _events(app, tenant, action: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The targets of the coop's audit events of ``action``."""
    with app.app_context(), tenant_context(tenant):
        events = list(db.session.scalars(
            sa.select(AuditEvent.target).where(AuditEvent.action == action)
        ))
        db.session.rollback()
        db.remove()
    return events


def _sessions_sent(app, response) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every session a response (and the redirects before it) wrote, decoded."""
    serializer = app.session_interface.get_signing_serializer(app)
    sent = []
    for step in (*response.history, response):
        for header in step.headers.getlist("Set-Cookie"):
            if header.startswith("gerai_session="):
                value = header.split(";", 1)[0].split("=", 1)[1]
                sent.append(serializer.loads(value) if value else {})
    return sent


# --- password links ------------------------------------------------------------------------------


def test_password_link_is_shown_on_the_page_and_never_put_in_the_cookie(
    app, client, make_tenant, make_user
) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    kasir = make_user(a, "cashier", email="kasir@a.id")
    login(client, a.slug, "admin@a.id")
    csrf = _csrf_from(client.get(f"/{a.slug}/staff").get_data(as_text=True))
    responses = [
        client.post(
            f"/{a.slug}/staff",
            data={"email": "baru@a.id", "name": "Baru", "role": "cashier", "csrf_token": csrf},
            follow_redirects=True,
        ),
        client.post(
            f"/{a.slug}/staff/{kasir}/password-link", data={"csrf_token": csrf},
            follow_redirects=True,
        ),
    ]
    for response in responses:
        page = response.get_data(as_text=True)
        token = re.search(rf"/{a.slug}/password/([\w\-]+)", page).group(1)
        assert response.status_code in (200, 201)
        assert all(token not in str(sent) for sent in _sessions_sent(app, response))
    assert token not in client.get(f"/{a.slug}/staff").get_data(as_text=True)  # shown once


def test_a_new_link_or_a_password_change_voids_older_links(app, make_tenant, make_user) -> None:
    a = make_tenant()
    uid = make_user(a, "cashier", email="kasir@a.id")
    with app.app_context(), tenant_context(a):
        user = services.get_user(uid)
        first = services.issue_password_link(user, services.SYSTEM)
        second = services.issue_password_link(user, services.SYSTEM)
        db.session.commit()
        assert services.find_password_link(first) is None  # the newer link voided it
        assert services.find_password_link(second) is not None
        # A link left open some other way (an older release issued them side by side).
        import datetime as dt

        from tenants.db import utcnow
        from tenants.door import hash_token

        db.session.add(PasswordLink(
            user_id=uid, token_hash=hash_token("left-open"),
            expires_at=utcnow() + dt.timedelta(hours=1),
        ))
        db.session.commit()
        assert services.find_password_link("left-open") is not None
        services.use_password_link(second, "panjang-sekali-1", services.SYSTEM)
        db.session.commit()
        assert services.find_password_link("left-open") is None
        assert services.find_password_link(second) is None
        db.remove()


# --- sessions ------------------------------------------------------------------------------------


def test_logout_ends_the_session_for_a_copied_cookie_too(app, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "cashier", email="kasir@a.id")
    browser = app.test_client()
    assert login(browser, a.slug, "kasir@a.id").status_code == 302
    stolen = browser.get_cookie("gerai_session").value
    csrf = _csrf_from(browser.get(f"/{a.slug}/tokens").get_data(as_text=True))
    assert browser.post(f"/{a.slug}/logout", data={"csrf_token": csrf}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("gerai_session", stolen)
    response = thief.get(f"/{a.slug}/")
    assert response.status_code == 302 and f"/{a.slug}/login" in response.headers["Location"]
    assert login(browser, a.slug, "kasir@a.id").status_code == 302  # signing in again works
    assert browser.get(f"/{a.slug}/").status_code == 200


# --- the audit log -------------------------------------------------------------------------------


def test_failed_sign_in_stores_the_email_only_when_it_is_one(
    app, client, make_tenant, make_user
) -> None:
    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    login(client, a.slug, "Hunter2-Rahasia-Sekali", "anything-at-all")  # password in email box
    login(client, a.slug, "Orang.Lain@A.id", "wrong-password-1")
    targets = sorted(_events(app, a, "auth.login_failed"))
    assert "hunter2" not in " ".join(targets).lower()
    assert targets == sorted([services.NOT_AN_EMAIL, "orang.lain@a.id"])


# --- throttling ----------------------------------------------------------------------------------


def test_wrong_passwords_from_one_address_do_not_lock_out_the_cashier(
    app, make_tenant, make_user
) -> None:
    a = make_tenant()
    make_user(a, "cashier", email="kasir@a.id")
    attacker, counter = app.test_client(), app.test_client()
    for _ in range(5):
        assert _try(attacker, a, "tebak-tebak-1", "203.0.113.9") == 401
    assert _try(attacker, a, PASSWORD, "203.0.113.9") == 429
    assert _try(counter, a, PASSWORD, "198.51.100.7") == 302


def test_the_slower_limit_per_email_lets_only_fresh_addresses_try(
    app, make_tenant, make_user
) -> None:
    a = make_tenant()
    make_user(a, "cashier", email="kasir@a.id")
    client = app.test_client()
    for n in range(4):  # 4 addresses × 5 wrong passwords = the email's limit of 20
        for _ in range(5):
            assert _try(client, a, "salah-salah-1", f"203.0.113.{n}") == 401
    # An address that failed once is held back now, even with the right password ...
    assert _try(client, a, "salah-salah-1", "192.0.2.1") == 401
    assert _try(client, a, PASSWORD, "192.0.2.1") == 429
    # ... while a correct password from an address that has not failed goes through.
    assert _try(client, a, PASSWORD, "192.0.2.2") == 302
    assert len(_events(app, a, "auth.login_failed")) == 21


def test_parallel_wrong_attempts_get_no_more_than_five_checks(
    app, make_tenant, make_user
) -> None:
    """24 attempts at once from one address: at most the limit of 5 reach the password check."""
    a = make_tenant()
    make_user(a, "cashier", email="kasir@a.id")
    clients = [app.test_client() for _ in range(24)]
    tokens = [
        _csrf_from(c.get(f"/{a.slug}/login").get_data(as_text=True)) for c in clients
    ]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def attempt(client, token: str) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        response = client.post(
            f"/{a.slug}/login",
            data={"email": "kasir@a.id", "password": "tebak-paralel-1", "csrf_token": token},
        )
        statuses.append(response.status_code)

    pairs = zip(clients, tokens, strict=True)
    threads = [threading.Thread(target=attempt, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 24 and set(statuses) <= {401, 429}
    assert statuses.count(401) == 5
    assert len(_events(app, a, "auth.login_failed")) == 5
