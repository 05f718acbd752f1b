"""CSV export against formula injection (OWASP "CSV Injection"): every cell that a spreadsheet could
run starts with an apostrophe, every field is quoted, and the import reads the cells back as they
were."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.participants.csv_cells import FORMULA_TRIGGERS, csv_restore, csv_safe
from app.participants.excel_export import csv_bytes
from tests.participants.excel_support import (  # noqa: F401 - fixtures
    TODAY,
    coop_fixture,
    inproc_fixture,
    signed_in,
    web_fixture,
)
from tests.participants.helpers import register

PAYLOADS = [
    "=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", ";=1+1", ",=1+1", "|calc",
    "  =1+1", "\uff1d1+1", '=HYPERLINK("http://evil.example","klik")', ";cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_trigger_gets_an_apostrophe(payload: str) -> None:
    assert csv_safe(payload) == "'" + payload
    assert csv_restore(csv_safe(payload)) == payload


@pytest.mark.parametrize("plain", ["Ahmad Nelayan", "0812-3456-7890", "2104********0001", "",
                                   "'quoted by the person", "Jl. Laut 1, Daik"])
def test_plain_cells_stay_as_they_are(plain: str) -> None:
    assert csv_safe(plain) == plain and csv_restore(plain) == plain


@given(st.text())
def test_neutralised_cells_never_start_a_formula_and_read_back(text: str) -> None:
    safe = csv_safe(text)
    assert safe.lstrip(" ")[:1] not in FORMULA_TRIGGERS
    assert csv_restore(safe) == text


def test_every_field_is_quoted_so_a_separator_inside_cannot_start_a_cell() -> None:
    body = csv_bytes(["Nama", "Alamat"], [["Budi;=1+1", 'Jl. "Laut", 1']]).decode("utf-8-sig")
    lines = body.split("\r\n")
    assert lines[0] == '"Nama","Alamat"'
    assert lines[1] == '"Budi;=1+1","Jl. ""Laut"", 1"'
    for delimiter in (",", ";"):  # whichever separator the spreadsheet guesses
        for row in csv.reader(io.StringIO(body), delimiter=delimiter):
            for cell in row:
                assert cell.strip(' "')[:1] not in "=+-@"


def test_the_export_neutralises_what_people_typed(web, coop) -> None:
    names = {";=1+1 Budi": "';=1+1 Budi", "-2+3 Ani": "'-2+3 Ani", "@Cek Siti": "'@Cek Siti"}
    for name in names:
        register(coop.ref, today=TODAY, name=name, address=",=HYPERLINK(1)",
                 birth_place="+62 Daik")
    client = signed_in(web, coop, "admin")
    response = client.get(f"/{coop.slug}/participants/excel/export.csv")
    text = response.data.decode("utf-8-sig")
    assert all(re.fullmatch(r'("[^"]*(""[^"]*)*")(,"[^"]*(""[^"]*)*")*', line)
               for line in text.split("\r\n") if line)
    rows = list(csv.reader(io.StringIO(text)))
    cells = {cell for r in rows[1:] for cell in r}
    assert set(names.values()) <= cells
    assert "',=HYPERLINK(1)" in cells and "'+62 Daik" in cells
    for r in rows:
        for cell in r:
            assert cell.lstrip(" ")[:1] not in FORMULA_TRIGGERS, cell
