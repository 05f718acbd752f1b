"""The simulated objects: the coops (``CoopSpec``, ``coop_specs``), the participant and sponsor
stand-ins that ``coverage_state`` reads and writes, a planned payment (``Pay``), and the id and
time helpers every part of the dataset shares (``uuid7_at``, ``at``, ``cached_period``).

Shared by the builder, the loader, the database check and the command line, so it depends on
none of them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from app.dues import MAX_MONTHS_AHEAD, Period
from bench.dataset.words import BIG_COOPS, KECAMATAN
from tenants.models import default_code

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


def cached_period(i: int) -> Period:
    """``Period.from_index(i)``, made once per month index (the builder asks very often)."""
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

    code: str = ""  # the receipt code, unique across the deployment (set by ``coop_specs``)


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
    taken: set[str] = set()
    for spec in specs:
        base, n = default_code(spec.slug), 1
        spec.code = base
        while spec.code in taken:  # as ``tenants.provision.choose_code`` does
            n += 1
            spec.code = f"{base[: 8 - len(str(n))]}{n}"
        taken.add(spec.code)
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



def covered_at(p: SimParticipant, day: dt.date) -> frozenset[Period]:
    """``coverage_state.covered_set`` with cached Period objects (checked equal in --verify)."""
    months = {cached_period(i) for i in p.covered_months}
    if p.covered_from is not None:
        top = Period.of(day).index + MAX_MONTHS_AHEAD
        months.update(cached_period(i) for i in range(p.covered_from, top + 1))
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

