"""Finding people fast: the NIK's last four digits, name words in any order, a whole NIK or KPJ by
equality — in the API ``q`` and the web search alike — and every branch an index lookup inside the
coop under row-level security (as the app role, with sequential scans priced out)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.participants import listing
from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import login
from tests.participants.helpers import register

API = "/api/v1/participants"


pytestmark = pytest.mark.usefixtures("counter_day")


@pytest.fixture
def people(coop):  # type: ignore[no-untyped-def]
    """Three people whose NIKs end 0001 / 0002 / 1001 and a KPJ, niks returned by name."""
    register(coop.ref, name="Siti Aisyah", nik="2104014502850001", birth_date="1985-02-05",
             sex="P", kpj="11122233344", phone="0813-1111-2222")
    register(coop.ref, name="Aisyah Putri", nik="2104011503900002", birth_date="1990-03-15")
    register(coop.ref, name="Budi Siti Rahman", nik="2104011504911001", birth_date="1991-04-15")
    return coop


def found(client, coop, q: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(API, query_string={"q": q}, headers=coop.headers())
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()["items"]]


def test_last_four_digits_of_the_nik(client, people) -> None:
    assert found(client, people, "0001") == ["Siti Aisyah"]
    assert found(client, people, "0002") == ["Aisyah Putri"]
    assert found(client, people, "1001") == ["Budi Siti Rahman"]
    assert found(client, people, "9999") == []


def test_name_words_in_any_order_each_must_match(client, people) -> None:
    assert found(client, people, "aisyah siti") == ["Siti Aisyah"]
    assert found(client, people, "SITI  aisyah") == ["Siti Aisyah"]
    assert found(client, people, "rahman budi") == ["Budi Siti Rahman"]
    assert found(client, people, "siti") == ["Budi Siti Rahman", "Siti Aisyah"]
    assert found(client, people, "aisyah zzz") == []


def test_whole_nik_and_kpj_are_found_exactly(client, people) -> None:
    assert found(client, people, "2104014502850001") == ["Siti Aisyah"]
    assert found(client, people, "2104 0145 0285 0001") == ["Siti Aisyah"]
    assert found(client, people, "2104014502850009") == []
    assert found(client, people, "111.2223.3344") == ["Siti Aisyah"]
    # Eleven digits are still a phone number typed so far.
    assert found(client, people, "08131111222") == ["Siti Aisyah"]


def test_exact_number_reading() -> None:
    assert listing.exact_number("2104 0145-0285.0001") == ("nik", "2104014502850001")
    assert listing.exact_number("11122233344") == ("kpj", "11122233344")
    for other in ("0001", "210401450285000", "21040145028500011", "siti 0001", "+62813111122"):
        assert listing.exact_number(other) is None, other


def test_another_coops_people_are_not_found(client, people, make_coop) -> None:
    other = make_coop()
    for q in ("0001", "aisyah siti", "2104014502850001", "11122233344"):
        assert found(client, other, q) == [], q


def test_web_search_last_digits_words_and_count(app, make_coop) -> None:
    web = make_coop(passwords=True)
    register(web.ref, name="Siti Aisyah", nik="2104014502850001", birth_date="1985-02-05",
             sex="P")
    register(web.ref, name="Aisyah Putri", nik="2104011503900002", birth_date="1990-03-15")
    client = app.test_client()
    assert login(client, web.slug, web.emails["cashier"]).status_code == 302
    page = client.get(f"/{web.slug}/participants?q=0001").get_data(as_text=True)
    assert "Siti Aisyah" in page and "Aisyah Putri" not in page
    assert re.search(r"\b1 peserta\b", page)
    page = client.get(f"/{web.slug}/participants?q=aisyah").get_data(as_text=True)
    assert "Siti Aisyah" in page and "Aisyah Putri" in page and re.search(r"\b2 peserta\b", page)
    page = client.get(f"/{web.slug}/participants?q=aisyah+siti").get_data(as_text=True)
    assert "Siti Aisyah" in page and "Aisyah Putri" not in page
    page = client.get(f"/{web.slug}/participants?q=2104014502850001").get_data(as_text=True)
    assert "Siti Aisyah" in page and "Aisyah Putri" not in page


def _plan(ref, q: str) -> str:  # type: ignore[no-untyped-def]
    """EXPLAIN of the list's search as the app role inside the coop, sequential scans priced out:
    a condition no index may answer under RLS still shows a Seq Scan."""
    query = sa.select(Participant.id).where(listing.search_condition(q))
    with tenant_context(ref):
        conn = db.session.connection()
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        db.session.rollback()
    return plan


@pytest.mark.parametrize("q", ["0001", "2104014502850001", "11122233344", "210401"])
def test_number_searches_are_index_lookups_under_rls(people, q: str) -> None:
    plan = _plan(people.ref, q)
    assert "Seq Scan" not in plan, plan
    assert "Index" in plan, plan


def test_whole_nik_is_one_equality_probe(people) -> None:
    plan = _plan(people.ref, "2104014502850001")
    assert "BitmapOr" not in plan and re.search(r"nik\)::text = '2104014502850001'", plan), plan


def test_api_whole_nik_or_kpj_is_one_probe_and_the_same_answer(client, people) -> None:
    from tests.participants.helpers import sql_statements

    by_list = client.get(API, query_string={"q": "siti aisyah"}, headers=people.headers())
    expected = by_list.get_json()["items"]
    for q in ("2104014502850001", "2104-0145-0285-0001", "11122233344"):
        with sql_statements() as statements:
            response = client.get(API, query_string={"q": q}, headers=people.headers())
        assert response.status_code == 200
        assert response.get_json() == {"items": expected, "next_cursor": None}, q
        # the token (which enters the coop) and one read of the person with their sponsors
        reads = [s for s in statements if "FROM participants" in s]
        assert len(statements) == 2 and len(reads) == 1, statements
        assert re.search(r"participants\.(nik|kpj) = ", reads[0]), reads[0]
    with sql_statements() as statements:
        empty = client.get(API, query_string={"q": "2104014502850009"}, headers=people.headers())
    assert empty.get_json() == {"items": [], "next_cursor": None} and len(statements) == 2
    masked = client.get(API, query_string={"q": "2104014502850001"},
                        headers=people.headers("pengawas")).get_json()["items"][0]
    assert masked["nik"] == "2104********0001"
