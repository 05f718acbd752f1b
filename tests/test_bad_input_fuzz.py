"""Hostile input on every surface: the API's bodies and query strings, every web form the pages
render, and the query strings the pages read. Whatever ``tests.strategies`` draws (NUL, lone
surrogates, text that grows when normalised, odd digits, control characters, any JSON value), the
answer is never a 500, a redirect never leaves the site, and a refused write leaves nothing behind.

Every field first gets one value of each kind (``EXEMPLARS``), so the class is always covered;
then Hypothesis searches further. Web forms are found by reading the pages (every
``<form method="post">`` and its fields), so a form added later is fuzzed without editing this file.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.participants.models import Participant
from app.participants.validation import ALL_FIELDS, SPONSOR_FIELDS
from app.payments.models import Payment
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import login
from tests.participants.conftest import coop, make_coop, set_today  # noqa: F401 - fixtures
from tests.participants.helpers import person
from tests.strategies import EXEMPLARS, cursors, json_values, nasty_text, url_quote

pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=12, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
NEVER = 500  # any status below this is an answer; 500 and above is the bug class


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    set_today("2026-11-10")


def _count(app, ref, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(ref):
        n = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.rollback()
    return int(n or 0)


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()  # ASCII escapes: lone surrogates travel as \\udxxx


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(_json(values)).decode().rstrip("=")


def _assert_safe_location(response) -> None:  # type: ignore[no-untyped-def]
    location = response.headers.get("Location")
    if location is None:
        return
    assert not re.search(r"[\x00-\x20\x7f\\]", location), location
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost") and location.startswith(("/", "http://localhost/"))


def _each(check: Callable[..., None], values: st.SearchStrategy[Any],
          exemplars: list[Any]) -> None:
    """``check`` with every exemplar, then with what Hypothesis draws from ``values``."""
    for exemplar in exemplars:
        check(exemplar)
    given(values)(FUZZ(check))()


# --- API ------------------------------------------------------------------------------------------

REGISTRATION_FIELDS = [*ALL_FIELDS, *(f"sponsor.{f}" for f in SPONSOR_FIELDS)]


@pytest.mark.parametrize("field", REGISTRATION_FIELDS)
def test_api_registration_survives_any_value_in_any_field(app, client, coop, field) -> None:  # noqa: F811
    def check(value: Any) -> None:
        body = person()
        if field.startswith("sponsor."):
            body["sponsor"] = {"name": "Pemkab", "type": "apbd", "programs": ["JKK", "JKM"],
                               field.split(".", 1)[1]: value}
        else:
            body[field] = value
        before = _count(app, coop.ref, Participant)
        response = client.post("/api/v1/participants", data=_json(body),
                               content_type="application/json", headers=coop.headers())
        assert response.status_code < NEVER, value
        if response.status_code != 201:
            assert response.status_code in (400, 409, 422), (value, response.status_code)
            assert _count(app, coop.ref, Participant) == before

    _each(check, st.one_of(nasty_text(), json_values()), [*EXEMPLARS, ["apbd"], {"a": 1}, 1])


API_URLS = [
    "/api/v1/participants?q={v}", "/api/v1/participants?cursor={v}",
    "/api/v1/participants?status={v}", "/api/v1/participants?limit={v}",
    "/api/v1/participants?cursor={c}", "/api/v1/participants/{v}",
    "/api/v1/participants/{pid}/quote?months={v}", "/api/v1/participants/{pid}/quote?from={v}",
    "/api/v1/payments?cursor={v}", "/api/v1/payments?cursor={c}",
    "/api/v1/payments?participant_id={v}", "/api/v1/payments?limit={v}",
    "/api/v1/payments/{v}", "/api/v1/participants?{v}={v}",
]


@pytest.mark.parametrize("url", API_URLS)
def test_api_query_strings_survive_anything(app, client, coop, url) -> None:  # noqa: F811
    pid = client.post("/api/v1/participants", json=person(), headers=coop.headers()).get_json()[
        "id"]

    def check(drawn: tuple[str, list[Any]]) -> None:
        value, cursor = drawn
        target = url.format(v=url_quote(value), c=_cursor(cursor), pid=pid)
        response = client.get(target, headers=coop.headers())
        assert response.status_code < NEVER, target
        _assert_safe_location(response)

    exemplars = [(e, [e, str(uuid.UUID(int=1))]) for e in EXEMPLARS]
    _each(check, st.tuples(nasty_text(), cursors()), exemplars)


def test_api_payment_bodies_survive_anything(app, client, coop) -> None:  # noqa: F811
    pid = client.post("/api/v1/participants", json=person(), headers=coop.headers()).get_json()[
        "id"]

    def check(drawn: tuple[str, Any]) -> None:
        field, value = drawn
        body: dict[str, Any] = {"participant_id": pid, "months": 1, "method": "cash", field: value}
        headers = {**coop.headers("cashier"), "Idempotency-Key": uuid.uuid4().hex}
        before = _count(app, coop.ref, Payment)
        response = client.post("/api/v1/payments", data=_json(body),
                               content_type="application/json", headers=headers)
        assert response.status_code < NEVER, (field, value)
        if response.status_code != 201:
            assert _count(app, coop.ref, Payment) == before

    fields = st.sampled_from(["participant_id", "months", "method", "extra"])
    exemplars = [(f, e) for f in ("participant_id", "months") for e in EXEMPLARS]
    _each(check, st.tuples(fields, st.one_of(json_values(), nasty_text())), exemplars)


# --- web forms ------------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """Every ``<form method="post">`` of a page: its action and its fields with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif not self.forms or "name" not in a:
            if tag == "option" and self._select and self.forms:
                self.forms[-1]["fields"].setdefault(self._select, a.get("value", ""))
            return
        elif tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["fields"].setdefault(a["name"], "")
            else:
                self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self.forms[-1]["fields"][a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _forms(html: str, page: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return [(f["action"] or page, f["fields"]) for f in parser.forms]


def _urlencoded(fields: dict[str, str]) -> bytes:
    return "&".join(f"{url_quote(k)}={url_quote(v)}" for k, v in fields.items()).encode()


@pytest.fixture
def web(make_coop, app):  # type: ignore[no-untyped-def]  # noqa: F811
    web_coop = make_coop(passwords=True)
    client = app.test_client()
    assert login(client, web_coop.slug, web_coop.emails["admin"]).status_code == 302
    pid = client.application.test_client().post(
        "/api/v1/participants", json=person(), headers=web_coop.headers()
    ).get_json()["id"]
    sponsor = {"name": "Pemkab", "type": "apbd", "programs": ["JKK", "JKM"]}
    client.application.test_client().post(
        "/api/v1/participants", json=person(sponsor=sponsor), headers=web_coop.headers()
    )
    paid = client.application.test_client().post(
        "/api/v1/payments", json={"participant_id": pid, "months": 1, "method": "cash"},
        headers={**web_coop.headers("cashier"), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert paid.status_code == 201
    return web_coop, client, pid, paid.get_json()["id"]


# One per kind (NUL is refused at the edge before any form, surrogates arrive as U+FFFD).
WEB_EXEMPLARS = ["ß" * 101, "\ufdfa" * 12, "1²", "²", "١٢", "/\t/evil.example", "/\r\n", "\ud800"]

PAGES = [
    "/{slug}/participants/new", "/{slug}/participants/{pid}/edit", "/{slug}/participants/{sid}",
    "/{slug}/payments/new/{pid}", "/{slug}/payments/closing", "/{slug}/payments/{payment}/void",
    "/{slug}/staff", "/{slug}/tokens",
]


@pytest.mark.parametrize("page_url", PAGES)
def test_every_web_form_survives_anything(app, web, page_url) -> None:
    web_coop, client, pid, payment_id = web
    with app.app_context(), tenant_context(web_coop.ref):
        with_sponsor = db.session.scalar(
            sa.select(Participant.id).where(Participant.id != uuid.UUID(pid))
        )
        db.session.rollback()
    page = page_url.format(slug=web_coop.slug, pid=pid, sid=with_sponsor, payment=payment_id)
    html = client.get(page)
    assert html.status_code == 200, page
    targets = [(action, fields) for action, fields in _forms(html.get_data(as_text=True), page)
               if [n for n in fields if n != "csrf_token"]
               and "logout" not in action and "revoke" not in action]
    assert targets, page

    def check(drawn: tuple[str, dict[str, str], dict[str, str]]) -> None:
        action, fields, values = drawn
        before = _count(app, web_coop.ref, Participant)
        response = client.post(action, data=_urlencoded({**fields, **values}),
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code < NEVER, (action, values)
        _assert_safe_location(response)
        if response.status_code >= 400 and action.endswith("/participants/new"):
            assert _count(app, web_coop.ref, Participant) == before

    @st.composite
    def submissions(draw: st.DrawFn) -> tuple[str, dict[str, str], dict[str, str]]:
        action, fields = draw(st.sampled_from(targets))
        names = [n for n in fields if n != "csrf_token"]
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
        return action, fields, {n: draw(nasty_text()) for n in chosen}

    exemplars = [
        (action, fields, {name: e})
        for action, fields in targets for name in fields if name != "csrf_token"
        for e in WEB_EXEMPLARS
    ]
    _each(check, submissions(), exemplars)


def test_sign_in_form_and_next_survive_anything(app, make_coop) -> None:  # noqa: F811
    web_coop = make_coop(passwords=True)
    plain = f"/{web_coop.slug}/login"

    def check(drawn: tuple[str, str, str]) -> None:
        email, password, nxt = drawn
        client = app.test_client()
        [(_action, fields)] = _forms(client.get(plain).get_data(as_text=True), plain)
        url = f"{plain}?next={url_quote(nxt)}"
        response = client.post(url, data=_urlencoded({**fields, "email": email,
                                                      "password": password}),
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code < NEVER
        signed = client.post(url, data=_urlencoded({**fields, "email": web_coop.emails["cashier"],
                                                     "password": "correct-horse-battery"}),
                             content_type="application/x-www-form-urlencoded")
        assert signed.status_code < NEVER
        _assert_safe_location(signed)
        if signed.status_code == 302:
            assert urlsplit(signed.headers["Location"]).path.startswith(f"/{web_coop.slug}")

    exemplars = [(e, e, e) for e in EXEMPLARS]
    _each(check, st.tuples(nasty_text(), nasty_text(), nasty_text()), exemplars)


PAGE_URLS = [
    "/{slug}/participants?q={v}", "/{slug}/participants?status={v}",
    "/{slug}/participants?arrears={v}", "/{slug}/participants?cursor={v}",
    "/{slug}/participants?cursor={c}", "/{slug}/participants/{pid}?months={v}",
    "/{slug}/payments/new/{pid}?months={v}", "/{slug}/payments/closing?cashier={v}",
    "/{slug}/participants/excel/export.xlsx?full={v}", "/lang/en?next={v}", "/lang/{v}?next=/",
    "/{slug}/jobs/?{v}={v}", "/{slug}/?{v}={v}", "/{slug}/participants/{v}",
    "/{slug}/payments/{payment}/receipt?{v}={v}",
]


@pytest.mark.parametrize("url", PAGE_URLS)
def test_page_query_strings_survive_anything(app, web, url) -> None:
    web_coop, client, pid, payment_id = web

    def check(drawn: tuple[str, list[Any]]) -> None:
        value, cursor = drawn
        target = url.format(slug=web_coop.slug, pid=pid, payment=payment_id,
                            v=url_quote(value), c=_cursor(cursor))
        response = client.get(target)
        assert response.status_code < NEVER, target
        _assert_safe_location(response)

    exemplars = [(e, [e, str(uuid.UUID(int=1))]) for e in EXEMPLARS]
    _each(check, st.tuples(nasty_text(), cursors()), exemplars)
