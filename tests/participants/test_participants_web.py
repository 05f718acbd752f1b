"""Participant pages: register/edit forms, list with search and masks, the participant page,
sponsors, roles, and another coop's participant being a 404 — signed in through the real form."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import _csrf_from
from tests.participants.helpers import person, register, signed_in, sql_statements

pytestmark = pytest.mark.usefixtures("counter_day")


@pytest.fixture
def web(make_coop):  # type: ignore[no-untyped-def]
    return make_coop(passwords=True)


def form_data(**overrides):  # type: ignore[no-untyped-def]
    data = person()
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    form.update(declared_income="1000000", coop_role="anggota", preferred_channel="whatsapp")
    form.update(overrides)
    return form


def submit(client, url, data):  # type: ignore[no-untyped-def]
    token = _csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def count(ref) -> int:  # type: ignore[no-untyped-def]
    with tenant_context(ref):
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Participant))
        db.session.rollback()
    return int(n)


def _stored(ref, pid) -> dict:  # type: ignore[no-untyped-def]
    """The participant's own fields and sponsors as stored, to show a refused write changed none."""
    with tenant_context(ref):
        p = db.session.get(Participant, (ref.id, pid))
        state = {
            "nik": p.nik, "name": p.name, "updated_at": p.updated_at,
            "covered_from": p.covered_from,
            "sponsors": [(s.id, s.name, s.until_month, s.ended_at) for s in p.sponsors],
        }
        db.session.rollback()
    return state


def test_empty_state_teaches_what_to_do_first(app, web) -> None:
    page = signed_in(app, web).get(f"/{web.slug}/participants").get_data(as_text=True)
    assert "Daftarkan peserta pertama" in page and "Impor dari Excel" in page
    assert f'href="/{web.slug}/participants/excel/import"' in page


def test_register_with_nik_typed_with_dots_and_spaces(app, web) -> None:
    client = signed_in(app, web, "cashier")
    data = form_data(nik="2104 01.15 05.80 0099", phone="+62 812-3456-7000", jht="y",
                     whatsapp_consent="y", sponsor_type="", sponsor_name="")
    response = submit(client, f"/{web.slug}/participants/new", data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Peserta didaftarkan." in page and "2104011505800099" in page
    assert "0812-3456-7000" in page and "Baru" in page
    with tenant_context(web.ref):
        p = db.session.scalar(sa.select(Participant))
        assert (p.nik, p.phone, p.jht, p.whatsapp_consent) == (
            "2104011505800099", "+6281234567000", True, True)
        db.session.rollback()


def test_bad_input_keeps_what_was_typed_and_writes_nothing(app, web) -> None:
    client = signed_in(app, web)
    data = form_data(nik="2104011505800077", birth_date="1981-05-15", phone="021-555-123",
                     name="Rahmat <b>Hidayat</b>", declared_income="999", email="bukan email",
                     sponsor_type="apbd", sponsor_name="", sponsor_from="2026-13")
    response = submit(client, f"/{web.slug}/participants/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="2104011505800077"' in page and 'value="021-555-123"' in page
    assert "Rahmat &lt;b&gt;Hidayat&lt;/b&gt;" in page  # kept, and escaped
    assert "NIK tidak cocok dengan tanggal lahir" in page
    assert "Nomor HP tidak valid" in page and "Alamat email tidak valid" in page
    assert "tingkat penghasilan" in page and "Tulis bulan seperti 2026-11" in page
    assert page.count('class="error"') >= 6
    assert count(web.ref) == 0


@pytest.mark.parametrize(
    "junk",
    [
        {"nik": "x" * 5000}, {"birth_date": "31-02-1980"}, {"declared_income": "1e6"},
        {"declared_income": "9" * 40}, {"sex": "X"}, {"sector": "<script>"},
        {"coop_role": "raja"}, {"name": "ü" * 300}, {"sponsor_type": "csr"},
        {"sponsor_type": "apbd", "sponsor_name": "Pemkab", "sponsor_jkk": "", "sponsor_jkm": ""},
    ],
)
def test_no_500_and_no_row_for_any_input(app, web, csrf_off, junk: dict) -> None:
    client = signed_in(app, web)
    data = form_data(**junk)
    response = client.post(f"/{web.slug}/participants/new", data=data)
    assert response.status_code == 422, junk
    assert count(web.ref) == 0


def test_missing_csrf_is_refused(app, web) -> None:
    client = signed_in(app, web)
    assert client.post(f"/{web.slug}/participants/new", data=form_data()).status_code == 400
    assert count(web.ref) == 0


def test_duplicate_nik_links_the_existing_person(app, web) -> None:
    first = register(web.ref, name="Siti Aminah", birth_date="1985-02-03", sex="P")
    with tenant_context(web.ref):
        nik = db.session.get(Participant, (web.ref.id, first)).nik
        db.session.rollback()
    client = signed_in(app, web)
    data = form_data(nik=f"{nik[:6]} {nik[6:12]} {nik[12:]}", birth_date="1985-02-03", sex="P",
                     name="Siti A.")
    response = submit(client, f"/{web.slug}/participants/new", data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "NIK ini sudah terdaftar" in page
    assert f'href="/{web.slug}/participants/{first}"' in page and "Siti Aminah" in page
    assert count(web.ref) == 1


def test_list_masks_numbers_and_searches(app, web) -> None:
    register(web.ref, name="Siti Aminah", birth_date="1985-02-03", sex="P",
             family_card_number="2104010101010001", phone="0813-1111-2222")
    register(web.ref, name="Budi Santoso")
    with tenant_context(web.ref):
        niks = {p.name: p.nik for p in db.session.scalars(sa.select(Participant))}
        db.session.rollback()
    client = signed_in(app, web, "pengawas")
    page = client.get(f"/{web.slug}/participants").get_data(as_text=True)
    assert "Unduh Excel" in page and "NIK lengkap" not in page and "Impor dari Excel" not in page
    for nik in niks.values():
        assert nik not in page and f"{nik[:4]}********{nik[-4:]}" in page
    assert "2104010101010001" not in page
    found = client.get(f"/{web.slug}/participants?q=siti").get_data(as_text=True)
    assert "Siti Aminah" in found and "Budi Santoso" not in found
    found = client.get(f"/{web.slug}/participants?q=0813 1111").get_data(as_text=True)
    assert "Siti Aminah" in found and "Budi Santoso" not in found
    none = client.get(f"/{web.slug}/participants?q=zzz").get_data(as_text=True)
    assert "Tidak ada peserta yang cocok" in none
    # The participant page shows the NIK masked to a pengawas, whole to staff who edit.
    pid = re.search(r'/participants/([0-9a-f-]{36})"', page).group(1)
    detail = client.get(f"/{web.slug}/participants/{pid}").get_data(as_text=True)
    assert not any(nik in detail for nik in niks.values())
    admin = signed_in(app, web).get(f"/{web.slug}/participants/{pid}").get_data(as_text=True)
    assert any(nik in admin for nik in niks.values())


def test_list_filters_by_status_and_arrears(app, web, set_today) -> None:
    set_today("2026-06-05")
    register(web.ref, name="Lama Menunggak")
    set_today("2026-11-10")
    register(web.ref, name="Baru Daftar")
    client = signed_in(app, web)
    lapsed = client.get(f"/{web.slug}/participants?status=lapsed").get_data(as_text=True)
    assert "Lama Menunggak" in lapsed and "Baru Daftar" not in lapsed and "Tidak aktif" in lapsed
    owing = client.get(f"/{web.slug}/participants?arrears=1").get_data(as_text=True)
    assert "Lama Menunggak" in owing and "Baru Daftar" not in owing
    assert "5 bulan" in owing  # June..October overdue


def test_list_uses_a_constant_number_of_queries_and_pages(app, web) -> None:
    client = signed_in(app, web)

    def measure() -> int:
        with sql_statements() as statements:
            assert client.get(f"/{web.slug}/participants").status_code == 200
        return len(statements)

    register(web.ref, name="Satu", sponsor={"name": "Pemkab", "type": "apbd",
                                            "programs": ["JKK", "JKM"]})
    few = measure()
    for i in range(24):
        register(web.ref, name=f"Peserta {i:02d}",
                 sponsor={"name": "CSR", "type": "csr", "programs": ["JKK"]} if i % 2 else None)
    assert measure() == few
    for i in range(3):
        register(web.ref, name=f"Zaenal {i}")
    page = client.get(f"/{web.slug}/participants").get_data(as_text=True)
    assert "Zaenal" not in page and "Halaman berikutnya" in page
    cursor = re.search(r'cursor=([^"&]+)', page).group(1)
    second = client.get(f"/{web.slug}/participants?cursor={cursor}").get_data(as_text=True)
    assert "Zaenal 2" in second and "Peserta 00" not in second


def test_participant_page_strip_and_quote(app, web, set_today) -> None:
    set_today("2026-09-05")
    pid = register(web.ref, name="Ahmad Nelayan")
    set_today("2026-11-20")
    client = signed_in(app, web)
    page = client.get(f"/{web.slug}/participants/{pid}").get_data(as_text=True)
    assert "Masa tenggang" in page and "Terlambat" in page and "Belum terdaftar" in page
    assert "<svg" in page and "Belum bayar" in page
    assert "Rp8.400" in page  # September quoted first, discounted
    assert "Bayar Rp8.400" in page  # the counter's primary action, for staff who take payments
    three = client.get(f"/{web.slug}/participants/{pid}?months=3").get_data(as_text=True)
    assert "Rp25.200" in three  # September, October, November


def test_sponsor_add_and_end(app, web) -> None:
    pid = register(web.ref)
    client = signed_in(app, web)
    url = f"/{web.slug}/participants/{pid}"
    token = _csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/sponsors", data={
        "csrf_token": token, "sponsor_type": "apbd", "sponsor_name": "Pemkab Lingga",
        "sponsor_jkk": "y", "sponsor_jkm": "y", "sponsor_from": "2026-11",
    })
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Pemkab Lingga" in page and "Dibayar sponsor" in page and "Aktif" in page
    with tenant_context(web.ref):
        p = db.session.get(Participant, (web.ref.id, pid))
        sponsor_id = p.sponsors[0].id
        db.session.rollback()
    bad = client.post(f"{url}/sponsors/{sponsor_id}/end",
                      data={"csrf_token": token, "until": "2026-10"})
    assert bad.status_code == 422 and "tidak boleh sebelum" in bad.get_data(as_text=True)
    ended = client.post(f"{url}/sponsors/{sponsor_id}/end",
                        data={"csrf_token": token, "until": "2026-12"})
    assert ended.status_code == 302
    with tenant_context(web.ref):
        p = db.session.get(Participant, (web.ref.id, pid))
        assert p.covered_from is None and p.paid_through_month is not None
        db.session.rollback()
    empty = client.post(f"{url}/sponsors", data={"csrf_token": token, "sponsor_type": "apbd"})
    assert empty.status_code == 422


def test_edit_keeps_and_saves(app, web) -> None:
    pid = register(web.ref, name="Ahmad")
    client = signed_in(app, web)
    url = f"/{web.slug}/participants/{pid}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Ahmad"' in page
    with tenant_context(web.ref):
        p = db.session.get(Participant, (web.ref.id, pid))
        old_phone = p.phone
        data = form_data(nik=p.nik, phone="0813-9876-5432", name="Ahmad Baru", sector="trade")
        db.session.rollback()
    assert old_phone != "+6281398765432"
    assert submit(client, url, data).status_code == 302
    bad = submit(client, url, {**data, "phone": "123", "name": "Tidak Disimpan"})
    assert bad.status_code == 422 and 'value="123"' in bad.get_data(as_text=True)
    with tenant_context(web.ref):
        p = db.session.get(Participant, (web.ref.id, pid))
        # The typed phone is stored in E.164; the refused edit changed nothing.
        assert (p.name, p.sector, p.phone) == ("Ahmad Baru", "trade", "+6281398765432")
        db.session.rollback()


def test_roles_pengawas_and_mentor_read_but_cannot_write(app, web) -> None:
    pid = register(web.ref)
    for role in ("pengawas", "mentor"):
        client = signed_in(app, web, role)
        assert client.get(f"/{web.slug}/participants").status_code == 200
        assert client.get(f"/{web.slug}/participants/{pid}").status_code == 200
        assert client.get(f"/{web.slug}/participants/new").status_code == 403
        token = _csrf_from(client.get(f"/{web.slug}/participants").get_data(as_text=True))
        refused = client.post(f"/{web.slug}/participants/new",
                              data={**form_data(), "csrf_token": token})
        assert refused.status_code == 403  # a valid form: refused for the role, not the token
        assert client.get(f"/{web.slug}/participants/{pid}/edit").status_code == 403
        page = client.get(f"/{web.slug}/participants/{pid}").get_data(as_text=True)
        assert "Tambah sponsor" not in page and "Ubah data" not in page and "Bayar Rp" not in page
    assert count(web.ref) == 1
    anonymous = app.test_client().get(f"/{web.slug}/participants")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_another_coops_participant_is_404_on_every_page(app, make_coop) -> None:
    a, b = make_coop(passwords=True), make_coop(passwords=True)
    theirs = register(a.ref, name="Rahasia Koperasi A", kpj="99988877766",
                      sponsor={"name": "Pemkab A", "type": "apbd", "programs": ["JKK", "JKM"]})
    before = _stored(a.ref, theirs)
    nik, sponsor_id = before["nik"], before["sponsors"][0][0]
    client = signed_in(app, b)
    base = f"/{b.slug}/participants/{theirs}"
    for url in (base, f"{base}/edit", f"{base}?months=3"):
        assert client.get(url).status_code == 404, url
    token = _csrf_from(client.get(f"/{b.slug}/participants").get_data(as_text=True))
    # Well-formed writes with A's real sponsor id: refused as unknown, and nothing of A changes.
    writes = {
        f"{base}/edit": form_data(nik=nik, name="Diubah B"),
        f"{base}/sponsors": {"sponsor_type": "csr", "sponsor_name": "CSR B", "sponsor_jkk": "y",
                             "sponsor_jkm": "y", "sponsor_from": "2026-11"},
        f"{base}/sponsors/{sponsor_id}/end": {"until": "2026-12"},
    }
    for url, data in writes.items():
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    for q in ("Rahasia", nik[:8], "99988877766", ""):
        page = client.get(f"/{b.slug}/participants", query_string={"q": q}).get_data(
            as_text=True)
        assert "Rahasia Koperasi A" not in page and str(theirs) not in page, q
    assert client.get(f"/{b.slug}/participants/not-a-uuid").status_code == 404
    # A's own session cannot be used at B's URLs and vice versa.
    assert client.get(f"/{a.slug}/participants/{theirs}").status_code == 302
    assert _stored(a.ref, theirs) == before and count(a.ref) == 1
