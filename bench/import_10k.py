"""Import of 10.000 participants from one XLSX: the target is at most 60 s on this machine.

Usage (from the repository root, with PostgreSQL as for ``make test``; Redis is not used):

    .venv/bin/python bench/import_10k.py [--rows 10000] [--csv] [--keep-going]

It makes a throwaway database (``TEST_DATABASE_URL``'s server, the test roles; the app connects as
the application role, so row-level security is in the path), a coop and its admin, and generates a
spreadsheet the way a coop would fill the template: valid NIKs (Lingga, 2104…), phones typed as
people type them, most birth dates as Excel dates and some as ``DD-MM-YYYY`` text, family-card and
KPJ numbers for most, JHT for some, and an opening ``Lunas sampai`` for one in ten. Then:

1. the phases alone: reading the file (``excel_read.read``) and checking every row
   (``excel_import.check``: the validator, duplicate checks against one pre-loaded set);
2. the import through the service, as the upload page runs it: ``imports.start_import`` stores the
   file and queues the job, the commit runs it (in-process mode, no ``REDIS_URL``) — read, check,
   write in chunks, record, commit — and returns when it is done;
3. the same again with another 10.000 people, into the coop that now holds the first 10.000.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TODAY = dt.date(2026, 11, 10)
TARGET_S = 60.0
FIRST = ("Ahmad", "Siti", "Budi", "Nur", "Rahmat", "Aisyah", "Joko", "Dewi", "Hasan", "Rina")
LAST = ("Nelayan", "Saputra", "Hidayat", "Lestari", "Siregar", "Pratama", "Wati", "Kurnia")
KECAMATAN = ("Lingga", "Singkep", "Senayang", "Lingga Utara", "Selayar")


def generate(rows: int, offset: int, seed: int) -> list[list[Any]]:
    """Template rows for ``rows`` distinct people (serials from ``offset``)."""
    from app.participants.excel_columns import COLUMNS

    rng = random.Random(seed)
    out = []
    for i in range(rows):
        n = offset + i
        sex = "P" if n % 2 else "L"
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
        day = birth.day + (40 if sex == "P" else 0)
        district = f"{1 + n // 9999 % 90:02d}"  # (district, serial) is unique per person
        nik = f"2104{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{n % 9999 + 1:04d}"
        phone = f"0812{n:08d}"
        phone = f"{phone[:4]}-{phone[4:8]}-{phone[8:]}" if n % 3 else phone
        values = {
            "nik": nik,
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
            "family_card_number": (
                f"2104{district}0101{n % 100:02d}{n % 10000:04d}" if n % 4 else None
            ),
            "birth_place": "Daik",
            "birth_date": birth if n % 5 else birth.strftime("%d-%m-%Y"),
            "sex": sex,
            "phone": phone,
            "email": f"peserta{n}@example.id" if n % 10 == 0 else None,
            "address": f"Jl. Pelabuhan No. {n % 300}",
            "kelurahan": "Sungai Lumpur",
            "kecamatan": KECAMATAN[n % len(KECAMATAN)],
            "occupation": "Nelayan" if n % 3 else "Pedagang",
            "sector": "Perikanan/Nelayan" if n % 3 else "Perdagangan",
            "declared_income": 1000000,
            "jht": "ya" if n % 7 == 0 else "tidak",
            "kpj": f"{n:011d}" if n % 2 else None,
            "coop_role": "Anggota" if n % 4 else "Bukan anggota",
            "preferred_channel": "WhatsApp",
            "whatsapp_consent": "ya",
            "paid_through": "2026-10" if n % 10 == 3 else None,
        }
        out.append([values[c.key] for c in COLUMNS])
    return out


def to_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    from app.participants.excel_columns import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Peserta")
    sheet.append([c.header for c in COLUMNS])
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(rows: list[list[Any]]) -> bytes:
    from app.participants.excel_columns import COLUMNS

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([c.header for c in COLUMNS])
    for r in rows:
        writer.writerow(
            [v.strftime("%d-%m-%Y") if isinstance(v, dt.date) else v for v in r]
        )
    return buffer.getvalue().encode("utf-8-sig")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--csv", action="store_true", help="a CSV file instead of XLSX")
    options = parser.parse_args()

    import sqlalchemy as sa

    from app import create_app, migrate
    from app.auth import services as auth
    from app.participants import excel_import, excel_read, imports
    from app.participants.imports_model import ParticipantImport
    from app.participants.models import Participant
    from config import load_settings
    from tenants.context import tenant_context
    from tenants.db import db
    from tenants.provision import create_tenant
    from tests import dbsetup
    from tests.settings import APP_ROLE, OWNER_ROLE

    dbsetup.ensure_roles()
    name = dbsetup.create_database("gerai_bench_import")
    env = {
        "GERAI_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234",
        "DATABASE_URL": dbsetup.url_for(name, APP_ROLE),
        "MIGRATION_DATABASE_URL": dbsetup.url_for(name, OWNER_ROLE),
        "GERAI_TODAY": TODAY.isoformat(),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.pop("REDIS_URL", None)
    settings = load_settings(env)
    assert settings.redis_url is None, "in-process mode: no REDIS_URL"
    lines: list[str] = []
    failed = False
    kind = "csv" if options.csv else "xlsx"
    try:
        migrate.upgrade(settings)
        app = create_app(settings)
        with app.app_context():
            coop = create_tenant("bench-import", "Koperasi Uji Impor").ref()
            db.session.commit()
            pg = db.session.execute(sa.text("SHOW server_version")).scalar()
            db.session.rollback()
            with tenant_context(coop):
                user = auth.create_user("admin@bench.example.id", "admin", auth.SYSTEM)
                actor = auth.Actor(user_id=user.id, label=user.email)
                db.session.commit()

            for run, offset in enumerate((0, options.rows)):
                began = time.perf_counter()
                rows = generate(options.rows, offset, seed=run + 1)
                content = to_csv(rows) if options.csv else to_xlsx(rows)
                made = time.perf_counter() - began
                lines.append(
                    f"run {run + 1}: {options.rows} rows, {kind} {len(content) / 1e6:.2f} MB "
                    f"(generated in {made:.2f} s)"
                )
                with tenant_context(coop):
                    began = time.perf_counter()
                    sheet = excel_read.read(content, kind)
                    read_s = time.perf_counter() - began
                    outcome = excel_import.Outcome(total=len(sheet.rows), headers=sheet.headers)
                    began = time.perf_counter()
                    excel_import.check(sheet, TODAY, outcome, lambda _done: None)
                    check_s = time.perf_counter() - began
                    db.session.rollback()
                    assert not outcome.errors, outcome.errors[:5]
                    lines.append(
                        f"  phases alone: read {read_s:6.2f} s, check {check_s:6.2f} s "
                        f"({len(outcome.good)} good rows)"
                    )
                    del sheet, outcome

                    began = time.perf_counter()
                    record = imports.start_import(f"peserta.{kind}", content, "all", actor,
                                                  today=TODAY)
                    import_id = record.id
                    db.session.commit()  # in-process: the job runs now; we wait for it
                    total_s = time.perf_counter() - began
                    record = db.session.get(ParticipantImport, (coop.id, import_id))
                    status, imported = record.status, record.imported_count
                    count = db.session.scalar(sa.select(sa.func.count()).select_from(Participant))
                    db.session.rollback()
                ok = status == "done" and imported == options.rows and total_s <= TARGET_S
                failed |= not ok
                lines.append(
                    f"  import through the service (store, queue, job: read, check, write, "
                    f"commit): {total_s:6.2f} s = {options.rows / total_s:7.0f} rows/s; "
                    f"status {status}, {imported} imported, coop now {count} — "
                    f"{'OK' if ok else 'FAIL'} (target ≤ {TARGET_S:.0f} s)"
                )
    finally:
        db.remove()
        if db.engine is not None:
            db.engine.dispose()
        dbsetup.drop_database(name)
    print(
        f"Participant import benchmark, {platform.node()}: {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, PostgreSQL {pg}; in-process job, app role (RLS on)"
    )
    for line in lines:
        print("  " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
