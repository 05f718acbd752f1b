"""One coop under construction, its clock and its people: who registers when, and with which
name, NIK, phone, KPJ and family-card number, address and occupation.

The first half of the builder (``stories.CoopBuilder`` extends ``CoopPeople``), kept apart from
the coverage stories and payments because the two change for different reasons.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter

from app.dues import Period
from app.participants.identifiers import search_key
from bench.dataset.sim import CoopSpec, Pay, SimParticipant, at, uuid7_at
from bench.dataset.words import (
    BIRTH_PLACES,
    FAMILY,
    FEMALE,
    KECAMATAN,
    MALE,
    OCCUPATIONS,
    PHONE_PREFIXES,
    SECTOR_WEIGHTS,
    STREETS,
)

INCOME = 1_000_000


class CoopPeople:
    """One coop's state while it is built: its clock, its people, the rows made so far."""

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
