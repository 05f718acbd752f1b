"""DOMAIN.md's quote examples through the API, and the default quote = the next payment's months."""

from __future__ import annotations

import pytest

from tests.participants.helpers import person

API = "/api/v1/participants"


def register(client, coop, **overrides):  # type: ignore[no-untyped-def]
    response = client.post(API, json=person(**overrides), headers=coop.headers())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def quote(client, coop, pid, **query):  # type: ignore[no-untyped-def]
    return client.get(f"{API}/{pid}/quote", query_string=query, headers=coop.headers("pengawas"))


def test_fisher_pays_half_in_november_2026_and_full_in_january_2027(
    client, coop, set_today
) -> None:
    set_today("2026-11-10")
    fisher = register(client, coop)
    response = quote(client, coop, fisher["id"], **{"from": "2026-11", "months": 3})
    assert response.status_code == 200
    assert response.get_json() == {
        "periods": [
            {"period": "2026-11", "jkk": 10000, "jkm": 6800, "jht": 0, "discount": 8400,
             "sponsored": 0, "amount": 8400},
            {"period": "2026-12", "jkk": 10000, "jkm": 6800, "jht": 0, "discount": 8400,
             "sponsored": 0, "amount": 8400},
            {"period": "2027-01", "jkk": 10000, "jkm": 6800, "jht": 0, "discount": 0,
             "sponsored": 0, "amount": 16800},
        ],
        "total": 33600,
    }
    # Any month can be priced, under the rules of that month.
    old = quote(client, coop, fisher["id"], **{"from": "2016-01"}).get_json()
    assert old["total"] == 16800


def test_jht_is_not_discounted(client, coop, set_today) -> None:
    set_today("2026-11-10")
    p = register(client, coop, programs=["JKK", "JKM", "JHT"])
    row = quote(client, coop, p["id"], **{"from": "2026-11"}).get_json()["periods"][0]
    assert (row["jht"], row["discount"], row["amount"]) == (20000, 8400, 28400)
    assert p["monthly_contribution"] == 28400


def test_transport_keeps_the_discount_until_march_2027(client, coop, set_today) -> None:
    set_today("2026-11-10")
    p = register(client, coop, sector="transport", occupation="Ojek")
    rows = quote(client, coop, p["id"], **{"from": "2027-03", "months": 2}).get_json()["periods"]
    assert [r["amount"] for r in rows] == [8400, 16800]


def test_apbd_sponsored_fisher_has_nothing_to_pay(client, coop, set_today) -> None:
    set_today("2026-11-10")
    sponsor = {"name": "Pemkab Lingga", "type": "apbd", "programs": ["JKK", "JKM"],
               "from": "2026-01"}
    p = register(client, coop, sponsor=sponsor)
    assert p["monthly_contribution"] == 0
    assert p["sponsors"][0]["name"] == "Pemkab Lingga" and p["sponsors"][0]["until"] is None
    assert p["coverage"] == {
        "status": "active", "paid_through": "2027-11", "arrears_months": 0, "arrears_amount": 0,
    }
    row = quote(client, coop, p["id"], **{"from": "2026-11"}).get_json()
    # A budget sponsor loses the discount and pays the full Rp16.800.
    assert row == {
        "periods": [{"period": "2026-11", "jkk": 10000, "jkm": 6800, "jht": 0, "discount": 0,
                     "sponsored": 16800, "amount": 0}],
        "total": 0,
    }
    # The next payment would cover nothing.
    assert quote(client, coop, p["id"]).get_json() == {"periods": [], "total": 0}


def test_csr_sponsor_pays_the_discounted_price(client, coop, set_today) -> None:
    set_today("2026-11-10")
    sponsor = {"name": "CSR PT Timah", "type": "csr", "programs": ["JKK", "JKM"]}
    p = register(client, coop, sponsor=sponsor, programs=["JKK", "JKM", "JHT"])
    assert (p["sponsors"][0]["from"], p["sponsors"][0]["until"]) == ("2026-11", None)
    row = quote(client, coop, p["id"], **{"from": "2026-11"}).get_json()["periods"][0]
    assert (row["discount"], row["sponsored"], row["amount"]) == (8400, 8400, 20000)


def test_default_quote_is_the_next_payable_months(client, coop, set_today) -> None:
    set_today("2026-10-05")
    p = register(client, coop)
    set_today("2026-12-20")  # October and November overdue, December too
    detail = client.get(f"{API}/{p['id']}", headers=coop.headers()).get_json()
    assert detail["coverage"] == {
        "status": "grace", "paid_through": None, "arrears_months": 3, "arrears_amount": 25200,
    }
    body = quote(client, coop, p["id"], months=4).get_json()
    assert [r["period"] for r in body["periods"]] == ["2026-10", "2026-11", "2026-12", "2027-01"]
    assert body["total"] == 8400 * 3 + 16800
    one = quote(client, coop, p["id"]).get_json()
    assert [r["period"] for r in one["periods"]] == ["2026-10"]


def test_lapsed_default_quote_restarts_at_the_current_month(client, coop, set_today) -> None:
    set_today("2026-04-05")
    p = register(client, coop)
    set_today("2026-11-20")
    detail = client.get(f"{API}/{p['id']}", headers=coop.headers()).get_json()
    assert detail["coverage"]["status"] == "lapsed"
    body = quote(client, coop, p["id"], months=2).get_json()
    assert [r["period"] for r in body["periods"]] == ["2026-11", "2026-12"]


@pytest.mark.parametrize(
    "query",
    [{"months": "0"}, {"months": "13"}, {"months": "x"}, {"months": "1.5"}, {"from": "2026-13"},
     {"from": "11-2026"}, {"from": "2014-01"}, {"from": "9999-12", "months": "2"},
     {"to": "2026-12"}],
)
def test_bad_quote_parameters_are_422(client, coop, set_today, query: dict) -> None:
    set_today("2026-11-10")
    p = register(client, coop)
    response = quote(client, coop, p["id"], **query)
    assert response.status_code == 422, query
    assert response.get_json()["error"]["fields"]


def test_more_months_than_payable_is_422(client, coop, set_today) -> None:
    set_today("2026-11-10")
    sponsor = {"name": "Pemkab", "type": "apbd", "programs": ["JKK", "JKM"], "from": "2027-06"}
    p = register(client, coop, sponsor=sponsor)
    assert len(quote(client, coop, p["id"], months=7).get_json()["periods"]) == 7
    response = quote(client, coop, p["id"], months=8)
    assert response.status_code == 422 and "months" in response.get_json()["error"]["fields"]
