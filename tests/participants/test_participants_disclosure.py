"""Who sees NIK and family-card numbers in full: role × field × surface (web and API, list and
detail). Admin and cashier need them at the counter; pengawas and mentor get ``2104********0001``.
The web list masks for everyone (a list does not need the number)."""

from __future__ import annotations

import re

import pytest

from app.participants.identifiers import mask_number
from tests.conftest import login
from tests.participants.helpers import person, register, sql_statements

API = "/api/v1/participants"
FULL = {"admin": True, "cashier": True, "pengawas": False, "mentor": False}
KK = "2104010101200001"


pytestmark = pytest.mark.usefixtures("counter_day")


@pytest.fixture
def coop(make_coop):  # type: ignore[no-untyped-def]
    return make_coop(passwords=True)


@pytest.fixture
def someone(coop) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = person(name="Siti Aminah", sex="P", birth_date="1985-02-03", family_card_number=KK)
    pid = register(coop.ref, **data)
    return {"id": str(pid), "nik": data["nik"], "kk": KK}


def test_the_mask_keeps_the_length_and_both_ends() -> None:
    assert mask_number("2104011505800001") == "2104********0001"
    assert mask_number("12345678") == "********" and mask_number(None) == ""


@pytest.mark.parametrize("role", list(FULL))
def test_api_list_and_detail_follow_the_role(client, coop, someone, role) -> None:
    headers = coop.headers(role)
    detail = client.get(f"{API}/{someone['id']}", headers=headers)
    listed = client.get(API, headers=headers)
    assert detail.status_code == 200 and listed.status_code == 200
    (item,) = listed.get_json()["items"]
    for answer in (detail.get_json(), item):
        if FULL[role]:
            assert (answer["nik"], answer["family_card_number"]) == (someone["nik"], KK)
        else:
            assert answer["nik"] == someone["nik"][:4] + "********" + someone["nik"][-4:]
            assert answer["family_card_number"] == "2104********0001"
    body = detail.get_data(as_text=True) + listed.get_data(as_text=True)
    assert (someone["nik"] in body) is FULL[role] and (KK in body) is FULL[role]


def test_api_search_by_full_nik_answers_masked_to_pengawas(client, coop, someone) -> None:
    found = client.get(API, query_string={"q": someone["nik"]}, headers=coop.headers("pengawas"))
    (item,) = found.get_json()["items"]
    assert item["id"] == someone["id"] and item["nik"] == mask_number(someone["nik"])


def test_masking_adds_no_query_to_the_lookup(app, client, coop, someone) -> None:
    counts = {}
    for role in ("admin", "pengawas"):
        client.get(f"{API}/{someone['id']}", headers=coop.headers(role))  # warm
        with app.app_context(), sql_statements() as statements:
            answer = client.get(f"{API}/{someone['id']}", headers=coop.headers(role))
        assert answer.status_code == 200
        counts[role] = len(statements)
    assert counts["admin"] > 0 and counts["pengawas"] == counts["admin"]


def test_openapi_says_who_sees_full_numbers(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/participants"]["get"]["description"]
    detail = document["paths"]["/participants/{participant_id}"]["get"]["description"]
    for text in (listing, detail):
        assert "pengawas" in text and "mentor" in text and "2104********0001" in text
    nik = document["components"]["schemas"]["Participant"]["properties"]["nik"]
    assert re.fullmatch(nik["pattern"], "2104********0001")
    assert re.fullmatch(nik["pattern"], "2104011505800001")
    assert not re.fullmatch(nik["pattern"], "2104****0001")


@pytest.mark.parametrize("role", list(FULL))
def test_web_detail_follows_the_role_and_the_list_masks_for_everyone(
    app, coop, someone, role
) -> None:
    client = app.test_client()
    assert login(client, coop.slug, coop.emails[role]).status_code == 302
    detail = client.get(f"/{coop.slug}/participants/{someone['id']}").get_data(as_text=True)
    listed = client.get(f"/{coop.slug}/participants").get_data(as_text=True)
    assert "Siti Aminah" in detail and "Siti Aminah" in listed
    masked_nik = mask_number(someone["nik"])
    if FULL[role]:
        assert someone["nik"] in detail and KK in detail
    else:
        assert someone["nik"] not in detail and KK not in detail
        assert masked_nik in detail and "2104********0001" in detail
    assert someone["nik"] not in listed and KK not in listed and masked_nik in listed
