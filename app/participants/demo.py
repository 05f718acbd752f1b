"""Demo participants: about thirty people of Kabupaten Lingga at the current coop's counter.

Fishers (many paid by the regency's APBD), farmers, traders, ojek and pompong drivers, day
labourers; some paid up, some in arrears, some lapsed, two whose provincial sponsorship ended.
Written through the service layer (validation, stored coverage, audit) and dated relative to today,
so the demo looks alive whenever it is run. Earlier payments are opening balances (coverage from
before Gerai), so no receipts exist for them. The caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app import clock
from app.auth.services import Actor
from app.dues import Period
from app.participants import services
from app.participants.models import Participant
from tenants.db import db

DEMO_ACTOR = Actor(label="demo")

# Kecamatan codes of Kabupaten Lingga (21 04 xx) with a village in each.
PLACES = {
    "Lingga": ("01", "Daik"),
    "Lingga Timur": ("08", "Sungai Lumpur"),
    "Singkep": ("03", "Dabo"),
    "Singkep Barat": ("04", "Raya"),
    "Senayang": ("02", "Senayang"),
    "Selayar": ("10", "Penuba"),
    "Lingga Utara": ("07", "Pancur"),
    "Kepulauan Posek": ("11", "Posek"),
}


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    born: str
    kecamatan: str
    occupation: str
    sector: str
    story: str  # apbd, apbd_ended, csr, paid, grace, lapsed, new
    months_ago: int  # registered this many months before the current month
    jht: bool = False
    role: str = "bukan_anggota"
    paid_ahead: int = 0  # for "paid": covered through the current month + this


PEOPLE = (
    Person("Abdul Rahman", "L", "1978-03-12", "Lingga Timur", "Nelayan", "fishery", "apbd", 10),
    Person("Syamsul Bahri", "L", "1982-07-04", "Lingga Timur", "Nelayan", "fishery", "apbd", 10),
    Person("Hasan Basri", "L", "1975-11-23", "Senayang", "Nelayan tangkap", "fishery", "apbd", 9),
    Person("Muhammad Yusuf", "L", "1990-01-30", "Senayang", "Nelayan", "fishery", "apbd", 9),
    Person("Zainal Abidin", "L", "1969-05-17", "Selayar", "Nelayan", "fishery", "apbd", 8),
    Person("Raja Ismail", "L", "1985-09-09", "Kepulauan Posek", "Nelayan", "fishery", "apbd", 8),
    Person("Said Ali", "L", "1993-12-01", "Kepulauan Posek", "Nelayan", "fishery", "apbd", 7),
    Person("Wan Hamid", "L", "1980-02-14", "Lingga", "Nelayan kelong", "fishery", "apbd", 6),
    Person("Nurdin", "L", "1972-06-21", "Selayar", "Nelayan", "fishery", "apbd", 4),
    Person("Rusli", "L", "1988-04-05", "Singkep Barat", "Nelayan", "fishery", "apbd_ended", 11),
    Person("Jamaludin", "L", "1979-10-10", "Senayang", "Nelayan", "fishery", "apbd_ended", 11),
    Person("Siti Aisyah", "P", "1987-08-19", "Lingga", "Pengolah ikan asin", "fishery", "csr", 5),
    Person("Fatimah Zahra", "P", "1991-03-03", "Lingga Timur", "Pedagang kue", "trade", "paid",
           6, paid_ahead=2, role="anggota"),
    Person("Nurhayati", "P", "1984-12-25", "Singkep", "Pedagang sayur", "trade", "paid", 8,
           paid_ahead=0, role="anggota"),
    Person("Ahmad Fauzi", "L", "1986-05-30", "Lingga Timur", "Ketua koperasi", "services",
           "paid", 12, jht=True, role="pengurus", paid_ahead=5),
    Person("Rosnah", "P", "1970-09-13", "Lingga Timur", "Bendahara koperasi", "services",
           "paid", 12, jht=True, role="pengurus", paid_ahead=5),
    Person("Hamzah", "L", "1965-01-08", "Lingga Timur", "Pengawas koperasi", "other", "paid", 12,
           role="pengawas", paid_ahead=1),
    Person("Sulaiman", "L", "1983-02-27", "Singkep", "Ojek", "transport", "paid", 7,
           paid_ahead=3),
    Person("Kamaruddin", "L", "1977-07-15", "Selayar", "Pengemudi pompong", "transport", "grace",
           2),
    Person("Azizah", "P", "1995-06-06", "Lingga Utara", "Petani karet", "agriculture", "grace",
           3),
    Person("Herman", "L", "1989-11-11", "Lingga Utara", "Petani sagu", "agriculture", "grace", 2),
    Person("Mahmud", "L", "1974-04-18", "Singkep Barat", "Buruh bangunan", "labour", "grace", 3),
    Person("Yusnita", "P", "1992-10-02", "Singkep", "Penjahit", "services", "lapsed", 8),
    Person("Bujang", "L", "1981-08-08", "Lingga", "Buruh pelabuhan", "labour", "lapsed", 9),
    Person("Ramli", "L", "1968-03-29", "Kepulauan Posek", "Nelayan", "fishery", "lapsed", 7),
    Person("Halimah", "P", "1997-01-20", "Lingga Timur", "Pedagang ikan", "trade", "new", 0,
           role="anggota"),
    Person("Fadli", "L", "2000-09-15", "Senayang", "Nelayan", "fishery", "new", 0),
    Person("Rina Marlina", "P", "1994-05-05", "Lingga", "Petani", "agriculture",
           "new", 1),
    Person("Taufik Hidayat", "L", "1996-12-12", "Singkep", "Pedagang pulsa", "trade", "paid", 1,
           paid_ahead=11, jht=True),
    Person("Encik Mariam", "P", "1976-02-02", "Selayar", "Pembuat atap rumbia", "other", "grace",
           1),
)


def _nik(person: Person, serial: int) -> str:
    born = dt.date.fromisoformat(person.born)
    day = born.day + (40 if person.sex == "P" else 0)
    district = PLACES[person.kecamatan][0]
    return f"2104{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def _registration_day(today: dt.date, months_ago: int) -> dt.date:
    month = Period.of(today) - months_ago
    return today if months_ago == 0 else month.first_day() + dt.timedelta(days=4)


def _data(person: Person, serial: int) -> dict[str, Any]:
    district, village = PLACES[person.kecamatan]
    data: dict[str, Any] = {
        "nik": _nik(person, serial),
        "name": person.name,
        "birth_place": "Daik" if person.kecamatan == "Lingga" else village,
        "birth_date": person.born,
        "sex": person.sex,
        "phone": f"0812{7700 + serial:04d}{(serial * 7919) % 10000:04d}",
        "address": f"RT 00{serial % 4 + 1}/RW 00{serial % 3 + 1}",
        "kelurahan": village,
        "kecamatan": person.kecamatan,
        "occupation": person.occupation,
        "sector": person.sector,
        "declared_income": 1000000,
        "programs": ["JKK", "JKM", "JHT"] if person.jht else ["JKK", "JKM"],
        "coop_role": person.role,
        "preferred_channel": "whatsapp" if serial % 5 else "sms",
        "whatsapp_consent": bool(serial % 5),
    }
    if serial % 3 == 0:
        data["kpj"] = f"2104{serial:07d}"
    if serial % 2 == 0:
        data["family_card_number"] = f"2104{district}{serial:010d}"
    return data


def seed_demo_participants(today: dt.date | None = None) -> int:
    """Add the demo participants to the current coop; returns how many (0 if it has any already)."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Participant)):
        return 0
    today = today or clock.today()
    current = Period.of(today)
    for serial, person in enumerate(PEOPLE, start=1):
        registered_on = _registration_day(today, person.months_ago)
        start = Period.of(registered_on)
        data = _data(person, serial)
        if person.story in ("apbd", "apbd_ended"):
            until = current - 3 if person.story == "apbd_ended" else None
            data["sponsor"] = {
                "name": "Pemkab Lingga" if person.story == "apbd" else "Pemprov Kepulauan Riau",
                "type": "apbd",
                "programs": ["JKK", "JKM"],
                "from": str(start),
                **({"until": str(until)} if until is not None else {}),
            }
        elif person.story == "csr":
            data["sponsor"] = {
                "name": "CSR PT Timah",
                "type": "csr",
                "programs": ["JKK", "JKM"],
                "from": str(start),
            }
        p = services.register(data, DEMO_ACTOR, today=today, registered_on=registered_on)
        if person.story == "paid":
            services.set_opening_balance(p, start, current + person.paid_ahead, today)
        elif person.story == "grace" and person.months_ago >= 3:
            services.set_opening_balance(p, start, start, today)  # paid the first month only
    db.session.flush()
    return len(PEOPLE)
