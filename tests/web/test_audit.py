"""The audit log page: people's words, who did it (sign-ins too), filters, constant statements."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest

from app.web.audit_log import ACTIONS
from tenants import audit
from tenants.context import tenant_context
from tenants.db import db
from tests.participants.helpers import register, signed_in, sql_statements
from tests.payments.helpers import pay
from tests.web.test_home import as_user, void

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("counter_day")


def rows(page: str) -> list[tuple[str, str]]:
    """(action code, row text) of each row of the log's table."""
    found = re.findall(r'<tr data-action="([^"]+)">(.*?)</tr>', page, re.S)
    return [(code, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))) for code, html in found]


def add_event(app, coop, action: str, at: dt.datetime, **kw) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        event = audit.record(action, **kw)
        event.at = at
        db.session.commit()


@pytest.fixture
def history(app, web):  # type: ignore[no-untyped-def]
    """Sign-ins, a registration by the cashier, cash, a void, an import, an old event."""
    cashier = signed_in(app, web, "cashier")
    by_cashier, by_admin = as_user(app, web, "cashier"), as_user(app, web, "admin")
    with app.app_context(), tenant_context(web.ref):
        from app.participants import services as participants
        from tests.participants.helpers import person

        data = person(name="Siti Aisyah")
        p = participants.register(data, by_cashier)
        pid = str(p.id)
        db.session.commit()
    with app.app_context(), tenant_context(web.ref):
        p = participants.lock_participant(uuid.UUID(pid))
        participants.update(p, {**data, "phone": "081299990000"}, by_admin)
        db.session.commit()
    paid = pay(app.test_client(), web, pid, role="cashier").get_json()
    assert "id" in paid, paid
    void(app, web, paid["id"], "Salah bulan")
    add_event(app, web, "participants.import", dt.datetime.now(dt.UTC),
              actor="admin", target="participant_import:01a22fd6-0000-7000-8000-000000000001",
              rows=3, imported=3)
    add_event(app, web, "auth.login", dt.datetime(2026, 10, 1, 3, 0, tzinfo=dt.UTC),
              target=web.emails["pengawas"])
    return {"cashier": cashier, "paid": paid, "pid": pid}


def test_log_speaks_words_and_names_who(app, web, history) -> None:
    page = signed_in(app, web, "admin").get(f"/{web.slug}/audit").get_data(as_text=True)
    table = page[page.index("<table"):]
    for machine in ("auth.login", "participant:", "participant_import:", "payment.create"):
        assert machine not in re.sub(r'data-action="[^"]+"', "", table), machine
    found = rows(page)
    sign_ins = [text for code, text in found if code == "auth.login"]
    # Sign-ins name the person who signed in (the admin now, the cashier before, the old one).
    assert any(web.emails["admin"] in t and "Masuk" in t for t in sign_ins)
    assert any(web.emails["cashier"] in t for t in sign_ins)
    registered = next(t for code, t in found if code == "participant.create")
    assert "Mendaftarkan peserta" in registered and "Siti Aisyah" in registered
    assert web.emails["cashier"] in registered
    assert f'href="/{web.slug}/participants/{history["pid"]}"' in page
    changed = next(t for code, t in found if code == "participant.update")
    assert "Mengubah data peserta" in changed and "Siti Aisyah" in changed and "No. HP" in changed
    taken = next(t for code, t in found if code == "payment.create")
    assert "Menerima pembayaran" in taken and history["paid"]["receipt_no"] in taken
    voided = next(t for code, t in found if code == "payment.void")
    assert "Membatalkan pembayaran" in voided and "Salah bulan" in voided
    imported = next(t for code, t in found if code == "participants.import")
    assert "Mengimpor peserta dari Excel" in imported and "3 dari 3 baris disimpan" in imported


def test_filters_by_action_person_and_date(app, web, history) -> None:
    client = signed_in(app, web, "pengawas")
    url = f"/{web.slug}/audit"
    only_pay = rows(client.get(f"{url}?action=payment.create").get_data(as_text=True))
    assert [code for code, _t in only_pay] == ["payment.create"]
    cashier_id = as_user(app, web, "cashier").user_id
    by_cashier = rows(client.get(f"{url}?person={cashier_id}").get_data(as_text=True))
    codes = {code for code, _t in by_cashier}
    assert {"auth.login", "participant.create", "payment.create"} <= codes
    assert "payment.void" not in codes  # the admin voided it
    assert all(web.emails["cashier"] in text for _c, text in by_cashier)
    old = rows(client.get(f"{url}?until=2026-10-31").get_data(as_text=True))
    assert len(old) == 1 and web.emails["pengawas"] in old[0][1]
    recent = rows(client.get(f"{url}?since=2026-11-01&action=auth.login").get_data(as_text=True))
    assert len(recent) == len([1 for c, _t in rows(client.get(url).get_data(as_text=True))
                               if c == "auth.login"]) - 1
    bad = client.get(f"{url}?since=kemarin&action=nope")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Tulis tanggal seperti 2026-11-23." in text and "Pilih kegiatan dari daftar." in text


def test_cashier_and_mentor_cannot_read_the_log(app, web) -> None:
    for role in ("cashier", "mentor"):
        assert signed_in(app, web, role).get(f"/{web.slug}/audit").status_code == 403


def test_log_sends_the_same_statements_for_few_and_many_events(app, web, history) -> None:
    client = signed_in(app, web, "admin")
    cashier_id = as_user(app, web, "cashier").user_id

    def measure() -> list[int]:
        counts = []
        for query in ("", "?action=participant.create", f"?person={cashier_id}&since=2026-01-01"):
            with sql_statements() as statements:
                assert client.get(f"/{web.slug}/audit{query}").status_code == 200
            counts.append(len(statements))
        return counts

    few = measure()
    for i in range(30):
        register(web.ref, name=f"Peserta {i}")
    for i in range(5):
        add_event(app, web, "participants.import", dt.datetime.now(dt.UTC),
                  target=f"participant_import:01a22fd6-0000-7000-8000-0000000000{i:02d}")
    assert measure() == few


def test_every_action_the_app_writes_has_words() -> None:
    """A new audit action without a phrase would show its machine name on the page."""
    written = set()
    call = re.compile(r"(?:record_audit|audit\.record|_audit)\(\s*(.{0,120})", re.S)
    for path in [*ROOT.glob("app/**/*.py"), *ROOT.glob("tenants/**/*.py")]:
        source = path.read_text(encoding="utf-8")
        for match in call.finditer(source):
            written.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', match.group(1)))
    written |= {"door.platform", "door.mentor"}  # f"door.{right.kind}"
    assert {"auth.login", "payment.create", "participants.import"} <= written
    assert written - set(ACTIONS) == set()
