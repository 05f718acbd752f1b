"""The benchmark dataset: 200 village coops × 1.000 participants + 5 coops × 10.000, a year of cash.

    .venv/bin/python -m bench.dataset [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                      [--small] [--jobs 2] [--seed 1] [--no-payments]

``--database-url`` is a superuser on the server (like ``TEST_DATABASE_URL``); it is used as the
operator is: to create the two roles (``gerai_bench_owner``, ``gerai_bench_app``: LOGIN,
NOSUPERUSER, NOBYPASSRLS) once and to (re)create the database ``gerai_bench`` owned by the owner
role. The schema is then migrated as the owner through ``app.migrate`` (as ``tests/conftest.py``
does), which also grants the application role its row access.

Loading: every row goes in with psycopg 3 ``COPY … FROM STDIN``, **as the superuser of
``--database-url``, for loading only**. PostgreSQL refuses ``COPY FROM`` to any role that row-level
security applies to ("COPY FROM not supported with row-level security"), and the owner role is
bound by FORCE ROW LEVEL SECURITY, so the owner cannot COPY into tenant-owned tables (it could only
INSERT row by row, which is what "COPY, not the ORM" rules out). Each coop is still loaded in its
own transaction with ``app.tenant_id`` set to that coop, foreign keys and checks stay on, and
nothing is measured as the superuser: the benchmarks connect as the application role.
Two worker processes (``--jobs``) build and load coops in parallel.

What is made, per coop (names and places of Kabupaten Lingga):
- the tenant (village coops founded in 2025, the big ones years ago; a few in WITA/WIT, some with
  due day 10 or 20), an admin and a cashier (password ``bench-password-123``, one Argon2 hash)
  each with an API token (``bench.common.token_for(slug, role)``; only the hash is stored);
- participants with valid NIKs (``2104`` + kecamatan + DDMMYY of the birth date, day + 40 for women,
  serial), E.164 phones ``+628…``, KPJ and family-card numbers for most, realistic names and
  ``sort_name = search_key(name)`` exactly as the service writes it;
- coverage histories: monthly, quarterly, half-yearly and yearly payers, people in grace, lapsed,
  lapsed-and-restarted, never paid, new this month, fishers sponsored by the regency's APBD
  (open-ended, some paying JHT themselves) and people whose CSR sponsorship ended;
- a year of cash payments (the last 12 months, plus coverage from before as an *opening balance*,
  the import's way of saying "insured before Gerai", so no payment is missing for any paid month);
  every payment is planned with ``app.dues.plan_payment`` and priced with ``app.dues.quote`` on
  its own date, and the stored coverage columns are written by ``coverage_state`` itself
  (``set_opening_balance``, ``apply_payment_months``, ``remove_payment_months``, ``recompute``),
  so the rows are exactly what the app would have written; a few payments are voided at the
  counter and paid again; gapless receipt numbers per coop and year (coop's time zone) with
  matching ``receipt_counters``; one cash closing per cashier and day (today's drawer stays open).

Not made: audit events, idempotency keys, reminders, jobs. The run ends with ``VACUUM ANALYZE``,
row counts, the status mix and a check through the app as the application role (``--verify``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import multiprocessing as mp
import random
import sys
import time
import uuid
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from app.dues import (  # noqa: E402
    MAX_MONTHS_AHEAD,
    Period,
    TooManyMonths,
    coverage,
    plan_payment,
    quote_month,
)
from app.participants import coverage_state  # noqa: E402
from app.participants.identifiers import search_key  # noqa: E402
from bench import common  # noqa: E402
from tenants.models import default_code  # noqa: E402

BIG_COOPS = (
    ("kmp-sungai-lumpur", "KMP Sungai Lumpur (Koperasi Masyarakat Pesisir)", 2017),
    ("kud-dabo-singkep", "KUD Dabo Singkep", 2018),
    ("kopnel-senayang", "Koperasi Nelayan Senayang", 2019),
    ("ksu-daik-lingga", "KSU Bunda Tanah Melayu Daik", 2019),
    ("kopsyah-posek", "Koperasi Syariah Pulau Posek", 2020),
)

# Kecamatan of Kabupaten Lingga (NIK 21 04 xx) with villages in each.
KECAMATAN = (
    ("01", "Lingga", ("Daik", "Kelumu", "Merawang", "Panggak Darat", "Panggak Laut", "Mentuda")),
    ("02", "Senayang", ("Senayang", "Tanjung Kelit", "Mamut", "Baran", "Pulau Medang", "Rejai")),
    ("03", "Singkep", ("Dabo", "Dabo Lama", "Batu Berdaun", "Berindat", "Sungai Lumpur Dabo")),
    ("04", "Singkep Barat", ("Raya", "Jagoh", "Sungai Buluh", "Kuala Raya", "Bakong")),
    ("05", "Singkep Pesisir", ("Tanjung Irat", "Berhala", "Lanjut")),
    ("06", "Singkep Selatan", ("Resang", "Marok Tua", "Marok Kecil")),
    ("07", "Lingga Utara", ("Pancur", "Duara", "Limbung", "Teluk", "Bukit Harapan")),
    ("08", "Lingga Timur", ("Sungai Lumpur", "Kerandin", "Bukit Langkap", "Keton")),
    ("09", "Bakung Serumpun", ("Bakung", "Sungai Besar", "Tinjul")),
    ("10", "Selayar", ("Penuba", "Selayar", "Penuba Timur", "Pantai Harapan")),
    ("11", "Kepulauan Posek", ("Posek", "Suak Buaya", "Busung Panjang")),
    ("12", "Temiang Pesisir", ("Temiang", "Tanjung Lipat", "Kote")),
    ("13", "Katang Bidare", ("Sekanah", "Kuala Raya Bidare", "Tajur Biru")),
)
BIRTH_PLACES = (
    "Daik", "Dabo", "Senayang", "Sungai Lumpur", "Tanjungpinang", "Batam", "Pekanbaru",
    "Penuba", "Pancur", "Tembilahan", "Bengkalis", "Jambi", "Palembang", "Medan", "Padang",
)
MALE = (
    "Muhammad", "Ahmad", "Abdul", "Rahman", "Syamsul", "Hasan", "Zainal", "Rizki", "Fadli",
    "Hendra", "Budi", "Agus", "Dedi", "Andi", "Iwan", "Yusuf", "Ismail", "Azhar", "Firdaus",
    "Rudi", "Safrizal", "Herman", "Jumadi", "Khairul", "Amran", "Darmawan", "Effendi", "Hamdan",
    "Irwan", "Junaidi", "Kamaruddin", "Lukman", "Mahmud", "Nasir", "Rasyid", "Saiful", "Taufik",
    "Usman", "Wahyu", "Yahya", "Zulkifli", "Arif", "Bambang", "Chairul", "Dodi", "Eko", "Fauzi",
    "Gunawan", "Hendri", "Indra", "Jefri", "Ridwan", "Syahrul", "Tarmizi", "Raja", "Tengku",
    "Said", "Wan", "Awang", "Bujang", "Encik", "Daeng",
)
FEMALE = (
    "Siti", "Nur", "Nurhayati", "Aminah", "Fatimah", "Rohani", "Zubaidah", "Halimah", "Aisyah",
    "Khadijah", "Rahmawati", "Sri", "Wahyuni", "Dewi", "Lestari", "Yuliana", "Mariam",
    "Rosmawati", "Salmah", "Hasnah", "Jamilah", "Kartini", "Latifah", "Maimunah", "Nurul",
    "Puspita", "Ratna", "Suryani", "Titin", "Yanti", "Zainab", "Rina", "Ani", "Ernawati",
    "Fitri", "Hartini", "Indah", "Juliana", "Kasmawati", "Lina", "Murni", "Norma", "Rosnah",
    "Nur'aini", "Wan Azizah", "Tengku Mariam", "Dayang", "Intan", "Cik Puan",
)
FAMILY = (
    "Saputra", "Hidayat", "Pratama", "Kurniawan", "Setiawan", "Nasution", "Harahap", "Siregar",
    "Lubis", "Hasibuan", "Rahman", "Hamid", "Ibrahim", "Ismail", "Yusuf", "Abdullah",
    "Syahputra", "Wijaya", "Santoso", "Effendi", "Hasan", "Basri", "Bahri", "Ali", "Daud",
    "Sulaiman", "Zakaria", "Hanafi", "Manurung", "Lim", "Tan", "Ong", "Simanjuntak", "Husin",
    "Jamaluddin", "Mahmud", "Syarif", "Anwar", "Ramli", "Salim", "Idris", "Kadir", "Latif",
)
OCCUPATIONS = {
    "fishery": ("Nelayan", "Nelayan tangkap", "Nelayan bagan", "Pembudidaya ikan"),
    "agriculture": ("Petani", "Pekebun karet", "Petani sagu", "Pekebun kelapa"),
    "trade": ("Pedagang", "Pedagang ikan", "Pemilik warung", "Pedagang keliling"),
    "transport": ("Pengemudi ojek", "Pengemudi pompong", "Tukang becak motor", "Sopir"),
    "labour": ("Buruh harian lepas", "Buruh bangunan", "Buruh pelabuhan", "Tukang kayu"),
    "services": ("Tukang cukur", "Penjahit", "Montir", "Juru masak"),
    "other": ("Pengrajin", "Ibu rumah tangga", "Guru mengaji", "Pemandu wisata"),
}
SECTOR_WEIGHTS = (
    ("fishery", 35), ("agriculture", 20), ("trade", 15), ("transport", 10), ("labour", 10),
    ("services", 6), ("other", 4),
)
PHONE_PREFIXES = (
    "811", "812", "813", "821", "822", "823", "852", "853", "814", "815", "816", "855", "856",
    "857", "858", "817", "818", "819", "859", "877", "878", "895", "896", "897", "898", "899",
    "881", "882", "883", "831", "838",
)
STREETS = (
    "Jl. Pelabuhan", "Jl. Merdeka", "Jl. Hang Tuah", "Jl. Raja Muhammad Yusuf", "Jl. Pesisir",
    "Jl. Datuk Laksamana", "Jl. Bukit Cening", "Jl. Istana Damnah", "Gg. Nelayan", "Jl. Pasar",
)
# Coverage stories and their weights (people registered before the current month).
PROFILES = (
    ("monthly", 28), ("quarterly", 10), ("halfyear", 5), ("yearly", 5), ("grace", 10),
    ("lapsed", 10), ("restarted", 4), ("apbd", 18), ("csr_ended", 4), ("never_paid", 6),
)
VOID_RATE = 0.003
INCOME = 1_000_000


# --- ids and times ------------------------------------------------------------------------------


def uuid7_at(when: dt.datetime, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 for that moment (what ``tenants.db.new_id`` would have made then)."""
    ms = int(when.timestamp() * 1000)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64
    value |= 0b10 << 62 | rng.getrandbits(62)
    return uuid.UUID(int=value)


def at(day: dt.date, seconds: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """A local moment ``seconds`` after midnight of ``day``, as an aware UTC datetime."""
    local = dt.datetime.combine(day, dt.time(), tz) + dt.timedelta(seconds=seconds)
    return local.astimezone(dt.UTC)


def _period(i: int) -> Period:
    return _PERIODS.get(i) or _PERIODS.setdefault(i, Period.from_index(i))


_PERIODS: dict[int, Period] = {}


# --- the coops ----------------------------------------------------------------------------------


@dataclass
class CoopSpec:
    index: int
    slug: str
    name: str
    size: int
    founded: dt.date
    timezone: str = "Asia/Jakarta"
    due_day: int = 15
    grace_months: int = 3
    tenant_id: uuid.UUID = field(default_factory=uuid.uuid4)
    admin_id: uuid.UUID = field(default_factory=uuid.uuid4)
    cashier_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def code(self) -> str:
        return default_code(self.slug)


def coop_specs(small: bool, seed: int) -> list[CoopSpec]:
    rng = random.Random(f"coops-{seed}")
    n_small, small_size = (20, 100) if small else (200, 1000)
    big = BIG_COOPS[:1] if small else BIG_COOPS
    big_size = 2000 if small else 10_000
    specs = []
    for i, (slug, name, year) in enumerate(big):
        specs.append(CoopSpec(i, slug, name, big_size, dt.date(year, rng.randint(1, 12), 1)))
    villages = [(kec, v) for _code, kec, vs in KECAMATAN for v in vs]
    for j in range(n_small):
        kec, village = villages[j % len(villages)]
        slug = f"kdmp-{village.lower().replace(' ', '-').replace(chr(39), '')}-{j + 1:03d}"
        spec = CoopSpec(
            len(specs), slug, f"Koperasi Desa Merah Putih {village} ({kec}) {j + 1}", small_size,
            dt.date(2025, rng.randint(3, 10), rng.randint(1, 28)),
        )
        if j % 20 == 7:
            spec.timezone = "Asia/Makassar"
        elif j % 20 == 13:
            spec.timezone = "Asia/Jayapura"
        spec.due_day = rng.choices((15, 10, 20), (8, 1, 1))[0]
        specs.append(spec)
    for spec in specs:
        created = at(spec.founded, 9 * 3600, zoneinfo.ZoneInfo(spec.timezone))
        spec.tenant_id = uuid7_at(created, rng)
        spec.admin_id = uuid7_at(created, rng)
        spec.cashier_id = uuid7_at(created + dt.timedelta(minutes=5), rng)
    return specs


# --- simulated participants (the attributes coverage_state reads and writes) ----------------------


class SimSponsor:
    __slots__ = ("id", "name", "type", "programs", "from_month", "until_month", "created_at")

    def __init__(self, **kw: Any) -> None:
        for key, value in kw.items():
            setattr(self, key, value)


class SimParticipant:
    __slots__ = (
        "id", "nik", "kpj", "family_card_number", "name", "sort_name", "birth_place",
        "birth_date", "sex", "phone", "email", "address", "kelurahan", "kecamatan", "occupation",
        "sector", "declared_income", "jht", "coop_role", "preferred_channel", "whatsapp_consent",
        "registered_on", "created_at", "updated_at", "registered_month", "start_month",
        "start_events", "paid_months", "covered_months", "covered_from", "paid_through_month",
        "open_run", "last_covered_month", "sponsors", "terms",
    )

    @property
    def programs(self) -> frozenset[str]:
        return frozenset({"JKK", "JKM", "JHT"} if self.jht else {"JKK", "JKM"})


@functools.lru_cache(maxsize=200_000)
def _quote_row(period: Period, terms: Any) -> tuple[dict[str, Any], int]:
    row = quote_month(period, terms)
    return row.as_dict(), row.amount


def covered_at(p: SimParticipant, day: dt.date) -> frozenset[Period]:
    """``coverage_state.covered_set`` with cached Period objects (checked equal in --verify)."""
    months = {_period(i) for i in p.covered_months}
    if p.covered_from is not None:
        top = Period.of(day).index + MAX_MONTHS_AHEAD
        months.update(_period(i) for i in range(p.covered_from, top + 1))
    return frozenset(months)


@dataclass
class Pay:
    id: uuid.UUID
    participant_id: uuid.UUID
    when: dt.datetime  # UTC
    local_day: dt.date
    amount: int
    periods: list[dict[str, Any]]
    first: int
    last: int
    restart: int | None
    cashier_id: uuid.UUID
    status: str = "paid"
    receipt_no: str = ""
    closing_id: uuid.UUID | None = None
    void: tuple[uuid.UUID, dt.datetime, uuid.UUID] | None = None  # (void id, when, by)


class CoopBuilder:
    """Makes one coop's rows; everything it writes goes through the app's pure functions."""

    def __init__(self, spec: CoopSpec, seed: int, now: dt.datetime, payments: bool) -> None:
        self.spec = spec
        self.rng = random.Random(f"{seed}-{spec.slug}")
        self.tz = zoneinfo.ZoneInfo(spec.timezone)
        self.now_local = now.astimezone(self.tz)
        self.today = self.now_local.date()
        self.current = Period.of(self.today)
        self.window_start = self.today - dt.timedelta(days=365)
        self.with_payments = payments
        self.niks: set[str] = set()
        self.kpjs: set[str] = set()
        self.participants: list[SimParticipant] = []
        self.payments: list[Pay] = []
        self.status = Counter[str]()
        self.profiles = Counter[str]()
        # Latest moment of today a payment may have (not in the future, counter hours).
        latest = self.now_local - dt.timedelta(minutes=5)
        self.today_latest = min(latest.hour * 3600 + latest.minute * 60, 15 * 3600 + 1800)

    # --- people ---

    def person(self, registered: dt.date, reg_seconds: int) -> SimParticipant:
        rng = self.rng
        p = SimParticipant()
        p.sex = "P" if rng.random() < 0.38 else "L"
        given = rng.choice(FEMALE if p.sex == "P" else MALE)
        shape = rng.random()
        if shape < 0.45:
            name = f"{given} {rng.choice(FAMILY)}"
        elif shape < 0.65:
            other = rng.choice(FEMALE if p.sex == "P" else MALE)
            name = f"{given} {other} {rng.choice(FAMILY)}"
        elif shape < 0.80:
            name = given if " " in given else f"{given} {rng.choice(MALE)}"
        else:
            link = "binti" if p.sex == "P" else "bin"
            name = f"{given} {link} {rng.choice(MALE)}"
        if rng.random() < 0.15:
            name = name.upper()  # typed in capitals at the counter
        p.name = name
        p.sort_name = search_key(name)
        age_days = rng.randint(18 * 365, 64 * 365)
        p.birth_date = self.today - dt.timedelta(days=age_days)
        kec_code, kec, villages = rng.choice(KECAMATAN)
        p.kecamatan = kec
        p.kelurahan = rng.choice(villages)
        bd = p.birth_date
        day = bd.day + (40 if p.sex == "P" else 0)
        stem = f"2104{kec_code}{day:02d}{bd.month:02d}{bd.year % 100:02d}"
        serial = rng.randint(1, 40)
        while f"{stem}{serial:04d}" in self.niks:
            serial += 1
        p.nik = f"{stem}{serial:04d}"
        self.niks.add(p.nik)
        p.kpj = None
        if rng.random() < 0.7:
            kpj = f"{rng.randrange(10**10, 10**11)}"
            while kpj in self.kpjs:
                kpj = f"{rng.randrange(10**10, 10**11)}"
            self.kpjs.add(kpj)
            p.kpj = kpj
        p.family_card_number = (
            f"2104{kec_code}{rng.randrange(10**9, 10**10)}" if rng.random() < 0.6 else None
        )
        p.phone = f"+62{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**7, 10**8)}"
        p.email = None
        if rng.random() < 0.1:
            local = "".join(c for c in p.sort_name.split()[0] if c.isalpha())
            p.email = f"{local}{rng.randint(1, 999)}@gmail.com"
        p.birth_place = rng.choice(BIRTH_PLACES)
        p.address = (
            f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, RT {rng.randint(1, 8):03d}/"
            f"RW {rng.randint(1, 4):03d}"
        )
        sector = rng.choices([s for s, _ in SECTOR_WEIGHTS], [w for _, w in SECTOR_WEIGHTS])[0]
        p.sector = sector
        p.occupation = rng.choice(OCCUPATIONS[sector])
        p.declared_income = INCOME
        p.jht = rng.random() < 0.2
        n = len(self.participants)
        p.coop_role = (
            "pengurus" if n < 3 else "pengawas" if n < 5
            else "anggota" if rng.random() < 0.6 else "bukan_anggota"
        )
        p.preferred_channel = "email" if p.email and rng.random() < 0.3 else (
            "sms" if rng.random() < 0.12 else "whatsapp"
        )
        p.whatsapp_consent = rng.random() < 0.8
        p.registered_on = registered
        p.created_at = at(registered, reg_seconds, self.tz)
        p.updated_at = p.created_at
        p.id = uuid7_at(p.created_at, rng)
        p.sponsors = []
        p.registered_month = Period.of(registered).index
        p.start_month = p.registered_month
        p.start_events = []
        p.paid_months = []
        return p

    def registration_day(self) -> dt.date:
        rng = self.rng
        first_of_month = self.current.first_day()
        founded = max(self.spec.founded, dt.date(2016, 1, 1))
        roll = rng.random()
        if roll < 0.05 or founded >= first_of_month:
            lo, hi = max(first_of_month, founded), self.today
        elif roll < 0.30 or founded >= self.window_start:
            lo, hi = max(self.window_start, founded), first_of_month - dt.timedelta(days=1)
        else:
            lo, hi = founded, self.window_start - dt.timedelta(days=1)
        if hi < lo:
            lo = hi = self.today
        return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))

    def seconds(self, day: dt.date) -> int | None:
        """A counter-hours time on ``day``; None when ``day`` is today and it is too early."""
        hi = 15 * 3600 + 1800
        if day == self.today:
            hi = self.today_latest
        if day > self.today or hi < 8 * 3600:
            return None
        return self.rng.randint(8 * 3600, hi)

    # --- coverage stories ---

    def add_sponsor(self, p: SimParticipant, **kw: Any) -> None:
        when = p.created_at + dt.timedelta(minutes=2)
        p.sponsors.append(
            SimSponsor(id=uuid7_at(when, self.rng), created_at=when, **kw)
        )

    def story(self, p: SimParticipant) -> None:
        rng = self.rng
        reg = Period.of(p.registered_on)
        window = Period.of(self.window_start)
        cur = self.current
        if reg == cur:
            profile = "new_paid" if rng.random() < 0.5 else "new"
        else:
            profile = rng.choices([n for n, _ in PROFILES], [w for _, w in PROFILES])[0]
        self.profiles[profile] += 1
        if profile == "apbd":
            p.sector = "fishery"
            p.occupation = rng.choice(OCCUPATIONS["fishery"])
            until = None if rng.random() < 0.7 else Period(cur.year, 12).index
            self.add_sponsor(
                p, name="Pemerintah Kabupaten Lingga", type="apbd", programs=["JKK", "JKM"],
                from_month=reg.index, until_month=until,
            )
        elif profile == "csr_ended":
            p.jht = False
            end = cur.index - rng.randint(1, 8)
            self.add_sponsor(
                p, name="CSR PT Timah Tbk", type="csr", programs=["JKK", "JKM"],
                from_month=reg.index, until_month=max(end, reg.index),
            )
        coverage_state.recompute(p)
        p.terms = coverage_state.terms_of(p)

        old = reg < window
        # Coverage from before the window: an opening balance (the import's way).
        if old and profile in ("monthly", "quarterly", "halfyear", "yearly", "grace", "apbd"):
            start = max(reg.index, window.index - rng.randint(0, 36))
            through = window.index - 1 + rng.choice((-1, 0, 0, 0, 1))
            if through >= start and not (profile == "apbd" and not p.jht):
                coverage_state.set_opening_balance(
                    p, _period(start), _period(through), self.today
                )
        elif old and profile in ("lapsed", "restarted"):
            start = max(reg.index, window.index - rng.randint(12, 48))
            if window.index - 6 >= start:
                through = rng.randint(start, window.index - 6)
                coverage_state.set_opening_balance(
                    p, _period(start), _period(through), self.today
                )
        if not self.with_payments:
            return

        first_day = max(p.registered_on, self.window_start)
        plan: list[tuple[dt.date, int]] = []
        if profile in ("monthly", "grace", "lapsed", "restarted", "csr_ended") or (
            profile == "apbd" and p.jht
        ):
            stop = cur.index
            begin = Period.of(first_day).index
            if profile == "grace":
                stop = cur.index - rng.randint(1, 3)
            elif profile == "lapsed":
                stop = cur.index - rng.randint(5, 10) if not old else begin - 1
            elif profile == "restarted":
                begin = max(begin, window.index + rng.randint(1, 8))
            elif profile == "csr_ended":
                begin = max(begin, p.sponsors[0].until_month + 1)
                if rng.random() < 0.3:
                    stop = cur.index - rng.randint(1, 5)
            owed = 0
            for m in range(begin, stop + 1):
                owed += 1
                if rng.random() < 0.06 and m < stop:
                    continue  # skipped a month; pays two next time
                month = _period(m)
                d = rng.randint(1, 15) if rng.random() < 0.7 else rng.randint(16, 28)
                day = dt.date(month.year, month.month, d)
                if day < first_day:
                    day = first_day
                plan.append((day, owed))
                owed = 0
        elif profile in ("quarterly", "halfyear", "yearly"):
            step = {"quarterly": 3, "halfyear": 6, "yearly": 12}[profile]
            day = first_day + dt.timedelta(days=rng.randint(0, step * 30 // 2))
            if p.registered_on >= self.window_start:
                day = p.registered_on
            while day <= self.today:
                plan.append((day, step))
                day += dt.timedelta(days=step * 30 + rng.randint(-10, 10))
        elif profile == "new_paid":
            plan.append((p.registered_on, rng.choice((1, 1, 1, 3, 6))))
        elif profile == "never_paid" or profile == "new" or profile == "apbd":
            pass
        # Someone registered inside the window pays at the counter the day they register.
        if plan and plan[0][0] < p.registered_on:
            plan[0] = (p.registered_on, plan[0][1])
        last_seconds = 0
        for day, n in plan:
            if day > self.today or day < p.registered_on:
                continue
            secs = self.seconds(day)
            if secs is None:
                continue
            if day == p.registered_on:
                reg_secs = int((p.created_at - at(day, 0, self.tz)).total_seconds())
                secs = max(secs, reg_secs + 300)
            if day == self.today and secs > self.today_latest:
                continue
            when = at(day, secs, self.tz)
            if when.timestamp() <= last_seconds:
                continue
            pay = self.pay(p, day, when, n)
            if pay is not None:
                last_seconds = when.timestamp()
                if rng.random() < VOID_RATE and (
                    day < self.today or secs + 600 <= self.today_latest
                ):
                    void_at = when + dt.timedelta(minutes=rng.randint(2, 8))
                    self.void(p, pay, void_at)
                    again = self.pay(p, day, void_at + dt.timedelta(minutes=1), n)
                    if again is not None:
                        last_seconds = (void_at + dt.timedelta(minutes=1)).timestamp()

    def pay(self, p: SimParticipant, day: dt.date, when: dt.datetime, n: int) -> Pay | None:
        spec = self.spec
        start = _period(p.start_month)
        covered = covered_at(p, day)
        plan = None
        while n >= 1:
            try:
                plan = plan_payment(start, covered, n, day, spec.due_day, spec.grace_months)
                break
            except TooManyMonths:
                n -= 1
        if plan is None:
            return None
        rows = [_quote_row(m, p.terms) for m in plan.months]
        total = sum(amount for _row, amount in rows)
        if total <= 0:
            return None
        pid = uuid7_at(when, self.rng)
        cashier = spec.cashier_id if self.rng.random() < 0.85 else spec.admin_id
        pay = Pay(
            id=pid, participant_id=p.id, when=when, local_day=day, amount=total,
            periods=[row for row, _amount in rows], first=plan.months[0].index,
            last=plan.months[-1].index,
            restart=plan.restart_start.index if plan.restart_start else None, cashier_id=cashier,
        )
        coverage_state.apply_payment_months(
            p, list(plan.months), plan.restart_start, ref=str(pid)
        )
        p.updated_at = when
        self.payments.append(pay)
        return pay

    def void(self, p: SimParticipant, pay: Pay, when: dt.datetime) -> None:
        months = [Period.parse(row["period"]) for row in pay.periods]
        coverage_state.remove_payment_months(p, months, ref=str(pay.id))
        pay.status = "voided"
        pay.void = (uuid7_at(when, self.rng), when, self.spec.admin_id)
        p.updated_at = when

    # --- the coop ---

    def build(self) -> None:
        days = sorted(self.registration_day() for _ in range(self.spec.size))
        for day in days:
            secs = self.seconds(day)
            if secs is None:  # today, before the counter opened: yesterday instead
                day = day - dt.timedelta(days=1)
                secs = self.rng.randint(8 * 3600, 15 * 3600)
            p = self.person(day, secs)
            self.participants.append(p)
            self.story(p)
            cov = coverage(
                _period(p.start_month), covered_at(p, self.today), self.today,
                self.spec.due_day, self.spec.grace_months,
            )
            self.status[cov.status] += 1
            if p.sponsors:
                self.status["sponsored"] += 1
        self.number_receipts()

    def number_receipts(self) -> None:
        self.payments.sort(key=lambda pay: pay.when)
        counters: dict[int, int] = defaultdict(int)
        code = self.spec.code
        for pay in self.payments:
            year = pay.when.astimezone(self.tz).year
            counters[year] += 1
            pay.receipt_no = f"{code}-{year}-{counters[year]:06d}"
        self.counters = dict(counters)
        # One closing per cashier and day; today's drawer stays open.
        self.closings: list[tuple[Any, ...]] = []
        groups: dict[tuple[uuid.UUID, dt.date], list[Pay]] = defaultdict(list)
        for pay in self.payments:
            if pay.local_day < self.today:
                groups[(pay.cashier_id, pay.local_day)].append(pay)
        for (cashier, day), pays in sorted(groups.items(), key=lambda kv: kv[0][1]):
            closed_at = at(day, 16 * 3600 + 1800, self.tz)
            cid = uuid7_at(closed_at, self.rng)
            expected = sum(x.amount for x in pays if x.status == "paid")
            counted = expected - (5000 if self.rng.random() < 0.02 else 0)
            voided = sum(1 for x in pays if x.status == "voided")
            for x in pays:
                x.closing_id = cid
            self.closings.append((
                cashier, cashier, closed_at, expected, counted, counted - expected, len(pays),
                voided, "", self.spec.tenant_id, cid,
            ))


# --- loading ------------------------------------------------------------------------------------

PARTICIPANT_COLS = (
    "tenant_id", "id", "nik", "kpj", "family_card_number", "name", "sort_name", "birth_place",
    "birth_date", "sex", "phone", "email", "address", "kelurahan", "kecamatan", "occupation",
    "sector", "declared_income", "jht", "coop_role", "preferred_channel", "whatsapp_consent",
    "registered_on", "created_at", "updated_at", "registered_month", "start_month",
    "start_events", "paid_months", "covered_months", "covered_from", "paid_through_month",
    "open_run", "last_covered_month",
)
SPONSOR_COLS = (
    "tenant_id", "id", "participant_id", "name", "type", "programs", "from_month", "until_month",
    "created_at", "ended_at",
)
USER_COLS = (
    "email", "name", "role", "password_hash", "active", "session_version", "created_at",
    "last_login_at", "tenant_id", "id",
)
CLOSING_COLS = (
    "cashier_id", "closed_by", "closed_at", "expected_amount", "counted_amount", "difference",
    "payments_count", "voided_count", "note", "tenant_id", "id",
)
PAYMENT_COLS = (
    "participant_id", "method", "status", "amount", "months", "periods", "first_month",
    "last_month", "restart_month", "receipt_no", "cashier_id", "cash_received", "closing_id",
    "created_at", "paid_at", "tenant_id", "id",
)
VOID_COLS = (
    "payment_id", "reason", "voided_by", "voided_at", "refund_due", "after_closing", "tenant_id",
    "id",
)
COUNTER_COLS = ("year", "last_number", "tenant_id", "id")


def _copy(cur: psycopg.Cursor[Any], table: str, cols: tuple[str, ...], rows: Any) -> int:
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, cols))
    )
    n = 0
    with cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _participant_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for p in b.participants:
        yield (
            tid, p.id, p.nik, p.kpj, p.family_card_number, p.name, p.sort_name, p.birth_place,
            p.birth_date, p.sex, p.phone, p.email, p.address, p.kelurahan, p.kecamatan,
            p.occupation, p.sector, p.declared_income, p.jht, p.coop_role, p.preferred_channel,
            p.whatsapp_consent, p.registered_on, p.created_at, p.updated_at, p.registered_month,
            p.start_month, json.dumps(p.start_events), json.dumps(p.paid_months),
            list(p.covered_months), p.covered_from, p.paid_through_month, p.open_run,
            p.last_covered_month,
        )


def _sponsor_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for p in b.participants:
        for s in p.sponsors:
            yield (
                tid, s.id, p.id, s.name, s.type, json.dumps(s.programs), s.from_month,
                s.until_month, s.created_at, None,
            )


def _payment_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for x in b.payments:
        yield (
            x.participant_id, "cash", x.status, x.amount, len(x.periods), json.dumps(x.periods),
            x.first, x.last, x.restart, x.receipt_no, x.cashier_id, None, x.closing_id, x.when,
            x.when, tid, x.id,
        )


def _void_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for x in b.payments:
        if x.void is not None:
            vid, when, by = x.void
            yield (x.id, "Salah input jumlah bulan", by, when, False, False, tid, vid)


def build_and_load(job: tuple[CoopSpec, int, dt.datetime, bool, str, str]) -> dict[str, Any]:
    spec, seed, now, payments, load_url, password_hash = job
    t0 = time.perf_counter()
    b = CoopBuilder(spec, seed, now, payments)
    b.build()
    t_build = time.perf_counter() - t0
    tid = spec.tenant_id
    founded = at(spec.founded, 9 * 3600, b.tz)
    users = [
        (common.email_for(spec.slug, "admin"), f"Admin {spec.name}"[:200], "admin",
         password_hash, True, 1, founded, None, tid, spec.admin_id),
        (common.email_for(spec.slug, "cashier"), f"Kasir {spec.name}"[:200], "cashier",
         password_hash, True, 1, founded + dt.timedelta(minutes=5), None, tid, spec.cashier_id),
    ]
    rng = random.Random(f"counters-{seed}-{spec.slug}")
    counters = [
        (year, last, tid, uuid7_at(at(dt.date(year, 1, 1), 8 * 3600, b.tz), rng))
        for year, last in sorted(b.counters.items())
    ]
    counts: dict[str, int] = {}
    with psycopg.connect(load_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tid),))
        counts["users"] = _copy(cur, "users", USER_COLS, users)
        counts["participants"] = _copy(cur, "participants", PARTICIPANT_COLS,
                                       _participant_rows(b))
        counts["participant_sponsors"] = _copy(cur, "participant_sponsors", SPONSOR_COLS,
                                               _sponsor_rows(b))
        counts["cash_closings"] = _copy(cur, "cash_closings", CLOSING_COLS, b.closings)
        counts["payments"] = _copy(cur, "payments", PAYMENT_COLS, _payment_rows(b))
        counts["payment_voids"] = _copy(cur, "payment_voids", VOID_COLS, _void_rows(b))
        counts["receipt_counters"] = _copy(cur, "receipt_counters", COUNTER_COLS, counters)
        conn.commit()
    return {
        "slug": spec.slug, "counts": counts, "status": dict(b.status),
        "profiles": dict(b.profiles), "build_s": t_build,
        "load_s": time.perf_counter() - t0 - t_build,
    }


# --- the database -------------------------------------------------------------------------------


def ensure_roles(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for role in (common.OWNER_ROLE, common.APP_ROLE):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE").format(
                        sql.Identifier(role)
                    )
                )


def recreate_database(admin_url: str, name: str) -> None:
    if not name.startswith("gerai_bench"):
        raise SystemExit(f"refusing to drop {name!r}: a bench database's name starts gerai_bench")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(common.OWNER_ROLE)
            )
        )
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(name), sql.Identifier(common.APP_ROLE)
            )
        )


def migrate(admin_url: str, name: str) -> None:
    from app import migrate as app_migrate
    from config import load_settings

    app_migrate.upgrade(load_settings(common.app_env(admin_url, name)))


def load_platform(load_url: str, specs: list[CoopSpec]) -> None:
    tenants = []
    tokens = []
    rng = random.Random("platform")
    for s in specs:
        created = at(s.founded, 9 * 3600, zoneinfo.ZoneInfo(s.timezone))
        tenants.append((s.tenant_id, s.slug, s.name, s.timezone, "active", s.due_day,
                        s.grace_months, s.code, created))
        for role, user_id in (("admin", s.admin_id), ("cashier", s.cashier_id)):
            token_hash = hashlib.sha256(common.token_for(s.slug, role).encode()).hexdigest()
            tokens.append((uuid7_at(created, rng), token_hash, s.tenant_id, user_id, role,
                           f"bench {role}", created, None))
    with psycopg.connect(load_url) as conn, conn.cursor() as cur:
        _copy(cur, "tenants", ("id", "slug", "name", "timezone", "status", "due_day",
                               "grace_months", "code", "created_at"), tenants)
        _copy(cur, "api_tokens", ("id", "token_hash", "tenant_id", "user_id", "role", "label",
                                  "created_at", "revoked_at"), tokens)
        conn.commit()


def verify(admin_url: str, name: str, specs: list[CoopSpec], per_coop: int = 60) -> str:
    """Through the app as the application role: stored state = recompute, SQL = Python, receipts."""
    import sqlalchemy as sa

    from app import clock
    from app.participants import listing
    from app.participants.models import Participant
    from app.payments.models import Payment, ReceiptCounter
    from tenants.context import tenant_context
    from tenants.db import db
    from tenants.door import resolve_tenant_id

    app = common.make_app(admin_url, name)
    checked = 0
    sample = specs[:2] + specs[-2:]
    with app.app_context():
        for spec in sample:
            ref = resolve_tenant_id(spec.tenant_id)
            db.session.rollback()
            assert ref is not None, spec.slug
            with tenant_context(ref):
                today = clock.today()
                rows = db.session.execute(
                    sa.select(Participant.id).order_by(Participant.id).limit(per_coop)
                ).scalars().all()
                page = listing.list_participants(limit=200, today=today)
                sql_status = {r.participant.id: r for r in page.rows}
                for pid in rows:
                    p = db.session.get(Participant, (ref.id, pid))
                    assert p is not None
                    stored = (p.start_month, list(p.covered_months), p.covered_from,
                              p.paid_through_month, p.open_run, p.last_covered_month)
                    fast = covered_at(p, today)  # type: ignore[arg-type]
                    assert fast == coverage_state.covered_set(p, today)
                    coverage_state.recompute(p)
                    again = (p.start_month, list(p.covered_months), p.covered_from,
                             p.paid_through_month, p.open_run, p.last_covered_month)
                    assert stored == again, (spec.slug, pid, stored, again)
                    checked += 1
                for r in page.rows:
                    cov, _amount = coverage_state.coverage_of(r.participant, today)
                    assert (cov.status, cov.arrears_months, cov.paid_through) == (
                        r.status, r.arrears_months, r.paid_through
                    ), (spec.slug, r.participant.id)
                    checked += 1
                db.session.rollback()
                for counter in db.session.scalars(sa.select(ReceiptCounter)):
                    numbers = sorted(
                        int(x.rsplit("-", 1)[1]) for x in db.session.scalars(
                            sa.select(Payment.receipt_no).where(
                                Payment.receipt_no.like(f"%-{counter.year}-%")
                            )
                        )
                    )
                    assert numbers == list(range(1, counter.last_number + 1)), spec.slug
                db.session.rollback()
                del sql_status
        db.remove()
    return f"verify: ok ({checked} participant checks in {len(sample)} coops, receipts gapless)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=common.ADMIN_URL,
                        help="a superuser URL on the server (default: %(default)s)")
    parser.add_argument("--name", default=common.DB_NAME, help="database name (gerai_bench…)")
    parser.add_argument("--small", action="store_true",
                        help="20 coops × 100 + 1 × 2.000 (a smoke run)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-payments", action="store_true", help="participants only")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    admin = common.plain(args.database_url)

    t0 = time.perf_counter()
    ensure_roles(admin)
    recreate_database(admin, args.name)
    migrate(admin, args.name)
    t_schema = time.perf_counter() - t0
    owner = common.plain(common.owner_url(admin, args.name))
    loader = common.plain(common.admin_db_url(admin, args.name))
    specs = coop_specs(args.small, args.seed)
    from argon2 import PasswordHasher

    password_hash = PasswordHasher().hash(common.STAFF_PASSWORD)
    load_platform(loader, specs)
    now = dt.datetime.now(dt.UTC)
    jobs = [(s, args.seed, now, not args.no_payments, loader, password_hash)
            for s in sorted(specs, key=lambda s: -s.size)]
    totals: Counter[str] = Counter({"tenants": len(specs), "api_tokens": 2 * len(specs)})
    status: Counter[str] = Counter()
    profiles: Counter[str] = Counter()
    build_s = load_s = 0.0
    with mp.get_context("fork").Pool(args.jobs) as pool:
        for done, result in enumerate(pool.imap_unordered(build_and_load, jobs), start=1):
            totals.update(result["counts"])
            status.update(result["status"])
            profiles.update(result["profiles"])
            build_s += result["build_s"]
            load_s += result["load_s"]
            if done % 25 == 0 or done == len(jobs):
                print(f"  {done}/{len(jobs)} coops loaded ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
    t_load = time.perf_counter() - t0 - t_schema
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    elapsed = time.perf_counter() - t0
    print(f"dataset {args.name}: {'small' if args.small else 'full'}, seed {args.seed}, "
          f"{args.jobs} jobs; COPY as the superuser, one transaction per coop; VACUUM ANALYZE as "
          f"{common.OWNER_ROLE}")
    print(f"elapsed {elapsed:.1f} s (schema {t_schema:.1f} s, build+COPY {t_load:.1f} s "
          f"[worker time: build {build_s:.1f} s, COPY {load_s:.1f} s], "
          f"VACUUM ANALYZE {elapsed - t_schema - t_load:.1f} s)")
    for table in ("tenants", "users", "api_tokens", "participants", "participant_sponsors",
                  "payments", "payment_voids", "cash_closings", "receipt_counters"):
        print(f"  {table:<22}{totals[table]:>10,}")
    n = sum(status[s] for s in ("new", "active", "grace", "lapsed"))
    mix = ", ".join(f"{s} {status[s]:,} ({100 * status[s] / max(n, 1):.1f}%)"
                    for s in ("new", "active", "grace", "lapsed", "sponsored"))
    print(f"coverage today: {mix}")
    print("stories: " + ", ".join(f"{k} {v:,}" for k, v in profiles.most_common()))
    if not args.no_verify:
        print(verify(admin, args.name, specs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
