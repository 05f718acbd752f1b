"""Input that once reached a 500: each is now a 4xx with a message, and nothing is written.

A list cursor decoding to NUL or a lone surrogate, a name that outgrows its column once normalised
(NFKC + casefold: ``ß`` → ``ss``, ``ﷺ`` → 18 letters), a sponsor type that is a list, superscript
digits in the income field — through the API, the web forms and the Excel import.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import sqlalchemy as sa

from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import _csrf_from, login
from tests.participants.excel_support import (  # noqa: F401 - fixtures
    error_lines,
    import_id_of,
    inproc_fixture,
    participants,
    record_of,
    row,
    upload,
    web_fixture,
    xlsx,
)
from tests.participants.helpers import person, register

GROWING_NAMES = ["ß" * 150, "\ufdfa" * 12]  # 150 → 300 letters; 12 → 216 letters


def _cursor(sort_name: str) -> str:
    raw = json.dumps([sort_name, str(uuid.UUID(int=1))]).encode()  # "\ud800" stays an escape
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [_cursor("a\x00b"), _cursor("\ud800"), _cursor("x\udfff")]


def _count(app, ref) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(ref):
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Participant))
        db.session.rollback()
    return int(n or 0)


def _signed_in(app, coop, role="admin"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, coop.slug, coop.emails[role]).status_code == 302
    return client


def _form(**overrides):  # type: ignore[no-untyped-def]
    data = {k: v for k, v in person().items() if isinstance(v, str)}
    data.update(declared_income="1000000", coop_role="anggota", preferred_channel="whatsapp")
    data.update(overrides)
    return data


def _submit(client, url, data):  # type: ignore[no-untyped-def]
    token = _csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]
    set_today("2026-11-10")


# --- list cursors --------------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_api_cursor_with_nul_or_lone_surrogate_is_a_422(client, coop, cursor) -> None:
    register(coop.ref)
    response = client.get(f"/api/v1/participants?cursor={cursor}", headers=coop.headers())
    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_web_cursor_with_nul_or_lone_surrogate_is_a_400_with_a_message(
    app, make_coop, cursor
) -> None:
    coop = make_coop(passwords=True)
    register(coop.ref, name="Ahmad Nelayan")
    response = _signed_in(app, coop).get(f"/{coop.slug}/participants?cursor={cursor}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tautan halaman ini tidak berlaku" in html and "Ahmad Nelayan" in html


# --- names that grow when normalised --------------------------------------------------------------


@pytest.mark.parametrize("name", GROWING_NAMES)
def test_api_name_growing_past_the_column_is_a_422(app, client, coop, name) -> None:
    response = client.post("/api/v1/participants", json=person(name=name), headers=coop.headers())
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]
    assert _count(app, coop.ref) == 0


@pytest.mark.parametrize("name", GROWING_NAMES)
def test_web_register_and_edit_with_a_growing_name_is_a_422(app, make_coop, name) -> None:
    coop = make_coop(passwords=True)
    client = _signed_in(app, coop)
    response = _submit(client, f"/{coop.slug}/participants/new", _form(name=name))
    assert response.status_code == 422
    assert "setelah huruf khusus diuraikan" in response.get_data(as_text=True)
    assert _count(app, coop.ref) == 0

    pid = register(coop.ref, name="Ahmad Nelayan")
    url = f"/{coop.slug}/participants/{pid}/edit"
    response = _submit(client, url, _form(name=name))
    assert response.status_code == 422
    with app.app_context(), tenant_context(coop.ref):
        assert db.session.get(Participant, (coop.ref.id, pid)).name == "Ahmad Nelayan"
        db.session.rollback()


def test_import_reports_the_row_whose_name_grows_past_the_column(web, make_coop) -> None:
    coop = make_coop(passwords=True)
    client = web.test_client()
    assert login(client, coop.slug, coop.emails["cashier"]).status_code == 302
    content = xlsx([row(Nama="Baik Satu"), row(Nama="ß" * 150), row(Nama="\ufdfa" * 12)])
    import_id = import_id_of(upload(client, coop.slug, content, mode="good_only"))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["imported"] == 1 and rec["bad"] == 2
    lines = error_lines(rec)
    assert sorted(lines) == [3, 4] and set(lines[3]) == {"Nama"}
    assert [p.name for p in participants(web, coop.ref)] == ["Baik Satu"]


# --- sponsor fields of the wrong JSON type --------------------------------------------------------


@pytest.mark.parametrize("field,value", [
    ("type", ["apbd"]), ("type", {"apbd": 1}), ("type", 1), ("name", ["Pemkab"]),
    ("name", {"x": 1}), ("programs", "JKK"), ("programs", [["JKK"]]), ("programs", [{"a": 1}]),
    ("from", ["2026-11"]), ("from", {"m": 1}), ("until", 202611), ("until", True),
])
def test_api_sponsor_field_of_the_wrong_type_is_a_422(app, client, coop, field, value) -> None:
    sponsor = {"name": "Pemkab", "type": "apbd", "programs": ["JKK", "JKM"], field: value}
    response = client.post(
        "/api/v1/participants", json=person(sponsor=sponsor), headers=coop.headers()
    )
    assert response.status_code == 422
    assert f"sponsor.{field}" in response.get_json()["error"]["fields"]
    assert _count(app, coop.ref) == 0


# --- superscript and other non-ASCII digits in integer fields -------------------------------------


@pytest.mark.parametrize("income", ["1000000²", "²", "١٠٠٠٠٠٠", "1_000_000", "１００００００"])
def test_web_income_with_non_ascii_digits_is_a_422(app, make_coop, income) -> None:
    coop = make_coop(passwords=True)
    client = _signed_in(app, coop)
    response = _submit(client, f"/{coop.slug}/participants/new", _form(declared_income=income))
    assert response.status_code == 422
    assert _count(app, coop.ref) == 0
    pid = register(coop.ref)
    response = _submit(
        client, f"/{coop.slug}/participants/{pid}/edit", _form(declared_income=income)
    )
    assert response.status_code == 422
