"""JSON API v1 for participants and quotes, as CONTRACT.md says, as the non-owner app role."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.participants.helpers import make_nik, person, register, sql_statements

API = "/api/v1/participants"


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]
    set_today("2026-11-10")


def post(client, coop, body, role="admin"):  # type: ignore[no-untyped-def]
    return client.post(API, json=body, headers=coop.headers(role))


def created(client, coop, **overrides):  # type: ignore[no-untyped-def]
    response = post(client, coop, person(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_register_normalises_and_answers_the_participant(client, coop) -> None:
    body = person(
        nik="2104 01.15-0580 0007", phone="+62 812-3456-7890", kpj="1234 5678 901",
        family_card_number="2104-0112-3456-0001", email=" Ahmad@Example.ID ",
        whatsapp_consent=True, coop_role="anggota", kelurahan="Sungai Lumpur",
    )
    response = post(client, coop, body)
    assert response.status_code == 201
    data = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/participants/{data['id']}")
    assert data["nik"] == "2104011505800007"
    assert data["phone"] == "+6281234567890"
    assert data["kpj"] == "12345678901"
    assert data["family_card_number"] == "2104011234560001"
    assert data["email"] == "ahmad@example.id"
    assert data["programs"] == ["JKK", "JKM"] and data["sector"] == "fishery"
    assert data["whatsapp_consent"] is True and data["preferred_channel"] == "whatsapp"
    assert data["registered_on"] == "2026-11-10"
    # A fisher in November 2026 pays half: Rp8.400.
    assert data["monthly_contribution"] == 8400
    assert data["coverage"] == {
        "status": "new", "paid_through": None, "arrears_months": 0, "arrears_amount": 0
    }
    again = client.get(f"{API}/{data['id']}", headers=coop.headers("pengawas"))
    masked = {"nik": "2104********0007", "family_card_number": "2104********0001"}
    assert again.status_code == 200 and again.get_json() == {**data, **masked}


@pytest.mark.parametrize(
    "typed", ["081234567891", "6281234567891", "+62 812-3456-7891", "0812 3456 7891",
              "(0812) 3456.7891"]
)
def test_phone_however_typed_is_stored_e164(client, coop, typed: str) -> None:
    assert created(client, coop, phone=typed)["phone"] == "+6281234567891"


@pytest.mark.parametrize("typed", ["021555123", "+1 650 253 0000", "0812", "08-abc", "+628123"])
def test_bad_phone_numbers_are_refused(client, coop, typed: str) -> None:
    response = post(client, coop, person(phone=typed))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"phone"}


def test_nik_must_agree_with_birth_date_and_sex(client, coop) -> None:
    woman = person(birth_date="1990-03-07", sex="P")
    assert woman["nik"][6:12] == "470390"  # day + 40 for women
    assert post(client, coop, woman).status_code == 201
    for wrong in (
        person(birth_date="1990-03-07", sex="L", nik=make_nik(__import__("datetime").date(
            1990, 3, 7), "P")),  # a woman's NIK for a man
        person(birth_date="1990-03-08", nik=make_nik(__import__("datetime").date(1990, 3, 7),
                                                       "L")),
        person(nik="2104011505810001", birth_date="1980-05-15"),  # year differs
    ):
        response = post(client, coop, wrong)
        assert response.status_code == 422, wrong
        assert list(response.get_json()["error"]["fields"]) == ["nik"]
    # The year has no century: 1925 and 2025 share "25".
    assert post(client, coop, person(birth_date="1925-05-15")).status_code == 201


@pytest.mark.parametrize(
    "nik", ["210401150580001", "21040115058000011", "2104011505800O01", "9904011505800001",
            "2104013205800001", "2104011513800001"]
)
def test_invalid_niks_are_refused(client, coop, nik: str) -> None:
    response = post(client, coop, person(nik=nik))
    assert response.status_code == 422
    assert "nik" in response.get_json()["error"]["fields"]


def test_duplicate_nik_is_409_with_the_existing_id(client, coop) -> None:
    first = created(client, coop)
    dotted = ".".join([first["nik"][:6], first["nik"][6:12], first["nik"][12:]])
    response = post(client, coop, person(nik=dotted, birth_date=first["birth_date"]))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and error["existing_id"] == first["id"]
    assert "nik" in error["fields"]
    listed = client.get(API, headers=coop.headers()).get_json()["items"]
    assert [p["id"] for p in listed] == [first["id"]]


def test_duplicate_kpj_is_409(client, coop) -> None:
    first = created(client, coop, kpj="12345678901")
    response = post(client, coop, person(kpj="123-4567-8901"))
    assert response.status_code == 409
    assert response.get_json()["error"]["existing_id"] == first["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("declared_income", "1000000"),
        ("declared_income", 1000000.0),
        ("declared_income", True),
        ("declared_income", 2500000),
        ("whatsapp_consent", "true"),
        ("whatsapp_consent", 1),
        ("programs", "JKK,JKM"),
        ("programs", ["JKK"]),
        ("programs", ["JKK", "JKM", "JP"]),
        ("programs", ["JKK", "JKM", "JKM"]),
        ("nik", 2104011505800001),
        ("name", ["Ahmad"]),
        ("name", "   "),
        ("name", "x" * 201),
        ("sex", "M"),
        ("sector", "perikanan"),
        ("birth_date", "15-13-1980"),
        ("birth_date", "2030-01-01"),
        ("birth_date", 19800515),
        ("coop_role", "ketua"),
        ("preferred_channel", "telegram"),
        ("email", "not-an-email"),
        ("kpj", "123"),
        ("family_card_number", "12"),
        ("sponsor", "APBD"),
    ],
)
def test_strict_types_and_values(client, coop, field: str, value: object) -> None:
    response = post(client, coop, person(**{field: value}))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"] and isinstance(error["fields"][field], str)
    assert client.get(API, headers=coop.headers()).get_json()["items"] == []


def test_unknown_fields_are_refused_also_inside_the_sponsor(client, coop) -> None:
    response = post(client, coop, person(naam="typo"))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"naam"}
    sponsor = {"name": "Pemkab", "type": "apbd", "programs": ["JKK", "JKM"], "util": "2027-01"}
    response = post(client, coop, person(sponsor=sponsor))
    assert set(response.get_json()["error"]["fields"]) == {"sponsor.util"}
    bad = {"name": "Pemkab", "type": "apbx", "programs": ["JKK"], "from": "2026-13"}
    fields = post(client, coop, person(sponsor=bad)).get_json()["error"]["fields"]
    assert set(fields) == {"sponsor.type", "sponsor.from"}


def test_missing_fields_are_listed_together(client, coop) -> None:
    response = post(client, coop, {})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {
        "nik", "name", "birth_date", "sex", "phone", "occupation", "sector",
        "declared_income", "programs",
    }


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("not json", "application/json"), ("[1, 2]", "application/json"),
     ('"text"', "application/json"), ("nik=1", "application/x-www-form-urlencoded"),
     ("[" * 100000, "application/json")],
)
def test_malformed_bodies_are_400(client, coop, data: str, content_type: str) -> None:
    response = client.post(API, data=data, content_type=content_type, headers=coop.headers())
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_text_that_postgres_cannot_store_is_422_not_500(client, coop) -> None:
    for raw in ('"Ah\\u0000mad"', '"Ah\\ud800mad"'):
        body = json.dumps(person()).replace('"Ahmad Nelayan"', raw)
        response = client.post(API, data=body, content_type="application/json",
                               headers=coop.headers())
        assert response.status_code == 422, raw
    assert client.get(API, headers=coop.headers()).get_json()["items"] == []


def test_roles(client, coop) -> None:
    for role in ("pengawas", "mentor"):
        response = post(client, coop, person(), role=role)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert post(client, coop, person(), role="cashier").status_code == 201
    for role in ("admin", "cashier", "pengawas", "mentor"):
        assert client.get(API, headers=coop.headers(role)).status_code == 200
    assert client.get(API).status_code == 401


def test_another_coops_participant_is_404_everywhere(client, make_coop) -> None:
    a, b = make_coop(), make_coop()
    mine = created(client, a, name="Siti Aminah", kpj="11122233344")
    for path in (f"{API}/{mine['id']}", f"{API}/{mine['id']}/quote",
                 f"{API}/{mine['id']}/quote?months=3&from=2026-11"):
        assert client.get(path, headers=b.headers()).status_code == 404
        assert client.get(path, headers=a.headers()).status_code == 200
    for q in (mine["nik"][:8], "siti", "0812", mine["kpj"], mine["phone"]):
        listed = client.get(API, query_string={"q": q}, headers=b.headers()).get_json()
        assert listed == {"items": [], "next_cursor": None}, q
    assert client.get(API, query_string={"status": "new"}, headers=b.headers()).get_json()[
        "items"] == []
    # The same NIK may register at another coop.
    again = post(client, b, person(nik=mine["nik"], birth_date=mine["birth_date"]))
    assert again.status_code == 201 and again.get_json()["id"] != mine["id"]


@pytest.mark.parametrize(
    "pid", ["nope", "123", str(uuid.uuid4()), "00000000-0000-0000-0000-000000000000",
            "%25", "x" * 300]
)
def test_unknown_or_malformed_ids_are_404(client, coop, pid: str) -> None:
    created(client, coop)  # a coop with a participant: an unknown id still finds nobody
    for suffix in ("", "/quote"):
        response = client.get(f"{API}/{pid}{suffix}", headers=coop.headers())
        assert response.status_code == 404, (pid, suffix)
        assert response.get_json()["error"]["message"] == "No such participant."


def test_a_nul_byte_in_the_id_is_refused_as_text_not_looked_up(client, coop) -> None:
    for suffix in ("", "/quote"):
        response = client.get(f"{API}/%00{suffix}", headers=coop.headers())
        assert response.status_code == 422
        assert response.get_json()["error"]["message"] == "Text must not contain NUL characters."


def test_search_by_nik_kpj_phone_and_name(client, coop) -> None:
    siti = created(client, coop, name="Siti Aminah", kpj="11122233344",
                   phone="0813-1111-2222", birth_date="1985-02-03", sex="P")
    budi = created(client, coop, name="Budi Santoso", phone="0852-9999-0000")

    def found(q: str) -> list[str]:
        items = client.get(API, query_string={"q": q}, headers=coop.headers()).get_json()["items"]
        return [p["name"] for p in items]

    assert found(siti["nik"][:10]) == ["Siti Aminah"]
    assert found(f"{siti['nik'][:4]}.{siti['nik'][4:6]}") == ["Budi Santoso", "Siti Aminah"]
    assert found(f"{budi['nik'][:4]} {budi['nik'][4:10]}") == ["Budi Santoso"]
    assert found("111222") == ["Siti Aminah"]
    for typed in ("0813-1111-2222", "+62 813 1111 2222", "6281311112222", "08131111"):
        assert found(typed) == ["Siti Aminah"], typed
    assert found("SANTOS") == ["Budi Santoso"]
    assert found("amin") == ["Siti Aminah"]
    assert found("50%") == [] and found("_") == []
    assert budi["id"] != siti["id"]


def test_pages_sorted_by_name_with_opaque_cursor(client, coop) -> None:
    names = ["dewi", "Andi", "citra", "Budi", "Eko"]
    for name in names:
        created(client, coop, name=name)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(API, query_string=query, headers=coop.headers()).get_json()
        assert len(page["items"]) <= 2
        seen += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Andi", "Budi", "citra", "dewi", "Eko"]


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "201"}, {"limit": "abc"}, {"limit": "-1"}, {"status": "aktif"},
     {"status": ""}, {"cursor": "garbage!"}, {"cursor": "WzEsMl0"}, {"sort": "name"},
     {"q": "x" * 101}],
)
def test_bad_list_parameters_are_422(client, coop, query: dict) -> None:
    response = client.get(API, query_string=query, headers=coop.headers())
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]


def test_default_limit_is_50_and_max_200(client, coop) -> None:
    for i in range(51):
        register(coop.ref, name=f"Peserta {i:02d}")
    page = client.get(API, headers=coop.headers()).get_json()
    assert [p["name"] for p in page["items"]] == [f"Peserta {i:02d}" for i in range(50)]
    assert page["next_cursor"] is not None
    rest = client.get(API, query_string={"cursor": page["next_cursor"]}, headers=coop.headers())
    assert [p["name"] for p in rest.get_json()["items"]] == ["Peserta 50"]
    everyone = client.get(API, query_string={"limit": 200}, headers=coop.headers())
    assert everyone.status_code == 200 and len(everyone.get_json()["items"]) == 51
    too_many = client.get(API, query_string={"limit": 201}, headers=coop.headers())
    assert too_many.status_code == 422 and "limit" in too_many.get_json()["error"]["fields"]


def test_openapi_documents_the_endpoints_and_every_ref_resolves(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"/participants", "/participants/{participant_id}",
            "/participants/{participant_id}/quote"} <= set(doc["paths"])
    assert doc["components"]["schemas"]["ParticipantInput"]["additionalProperties"] is False
    refs = set()

    def walk(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].rsplit("/", 1)[1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs <= set(doc["components"]["schemas"])


def test_list_is_a_constant_number_of_queries(client, coop) -> None:
    def measure() -> int:
        with sql_statements() as statements:
            assert client.get(API, headers=coop.headers()).status_code == 200
        return len(statements)

    created(client, coop, sponsor={"name": "Pemkab", "type": "apbd", "programs": ["JKK", "JKM"]})
    few = measure()
    for i in range(10):
        created(client, coop, name=f"Peserta {i}",
                sponsor={"name": "CSR", "type": "csr", "programs": ["JKK"]} if i % 2 else None)
    assert measure() == few


def test_audit_log_names_the_participant_without_the_whole_nik(client, coop) -> None:
    import sqlalchemy as sa

    from tenants.audit import AuditEvent
    from tenants.context import tenant_context
    from tenants.db import db

    data = created(client, coop)
    with tenant_context(coop.ref):
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "participant.create"))
        assert event.target == f"participant:{data['id']}"
        assert data["nik"] not in str(event.details) and data["phone"] not in str(event.details)
        assert event.details["nik_masked"] == f"{data['nik'][:4]}********{data['nik'][-4:]}"
        db.session.rollback()


def test_a_duplicate_that_slips_past_the_check_is_still_409(client, coop, monkeypatch) -> None:
    """Two counters registering the same NIK at once: the unique constraint decides."""
    from app.participants import services

    first = created(client, coop)
    real = services._find_duplicate
    calls = []

    def racing(values, exclude):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            return None  # the other counter's row was not committed yet when we looked
        return real(values, exclude)

    monkeypatch.setattr(services, "_find_duplicate", racing)
    response = post(client, coop, person(nik=first["nik"], birth_date=first["birth_date"]))
    assert response.status_code == 409
    assert response.get_json()["error"]["existing_id"] == first["id"]
    assert len(client.get(API, headers=coop.headers()).get_json()["items"]) == 1


def test_the_read_record_answers_exactly_like_the_orm_entity(app, client, coop, set_today) -> None:
    """The API's lookup reads a plain record; it must say what the entity says, sponsors and all."""
    import dataclasses
    import datetime as dt

    from app.api.participants import participant_json
    from app.auth import services as auth
    from app.dues import Period
    from app.participants import services
    from app.participants.records import ParticipantRecord, read_participant
    from tenants.context import tenant_context
    from tenants.db import db

    today = set_today("2026-11-10")
    sponsor = {"name": "Pemkab Lingga", "type": "apbd", "programs": ["JKK", "JKM"],
               "from": "2026-01", "until": None}
    made = client.post(API, json=person(sponsor=sponsor, programs=["JKK", "JKM", "JHT"]),
                       headers=coop.headers())
    assert made.status_code == 201
    pid = made.get_json()["id"]
    with app.app_context(), tenant_context(coop.ref):
        p = services.get_participant(pid)
        services.add_sponsor(p, {"name": "CSR Timah", "type": "csr", "programs": ["JHT"],
                                 "from": "2026-03", "until": "2026-12"}, auth.SYSTEM, today=today)
        services.end_sponsor(p, p.sponsors[0].id, Period(2026, 10), auth.SYSTEM)
        db.session.commit()
        db.remove()
    with app.app_context(), tenant_context(coop.ref):
        entity = services.get_participant(pid)
        record = read_participant(pid)
        assert isinstance(record, ParticipantRecord) and len(record.sponsors) == 2
        for field in dataclasses.fields(ParticipantRecord):
            if field.name != "sponsors":
                assert getattr(record, field.name) == getattr(entity, field.name), field.name
        assert record.programs == entity.programs
        for day in (today, dt.date(2027, 2, 20)):
            assert participant_json(record, day) == participant_json(entity, day)
        assert read_participant("not-an-id") is None
        db.remove()
    answer = client.get(f"{API}/{pid}", headers=coop.headers("pengawas")).get_json()
    assert [s["name"] for s in answer["sponsors"]] == ["Pemkab Lingga", "CSR Timah"]
    assert answer["sponsors"][0]["until"] == "2026-10"
