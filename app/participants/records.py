"""A participant read for an answer, not for a change: frozen plain values from one statement.

The API's participant lookup is the request a counter's client repeats most; building an ORM entity
(identity map, instrumented attributes, the joined sponsors' loader) cost more than the rest of the
request. ``ParticipantRecord`` has the same attribute names as ``Participant`` for everything an
answer and the coverage reading use, so ``coverage_state`` and the API's JSON take either. Anything
that changes a participant loads the ORM entity (``services.get_participant`` /
``lock_participant``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import sqlalchemy as sa

from app.participants.models import Participant, ParticipantSponsor, programs_of
from tenants.context import require_tenant
from tenants.db import db, parse_id


@dataclasses.dataclass(frozen=True, slots=True)
class SponsorRecord:
    id: uuid.UUID
    name: str
    type: str
    programs: list[str]
    from_month: int | None
    until_month: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class ParticipantRecord:
    id: uuid.UUID
    nik: str
    kpj: str | None
    family_card_number: str | None
    name: str
    birth_place: str
    birth_date: dt.date
    sex: str
    phone: str
    email: str | None
    address: str
    kelurahan: str
    kecamatan: str
    occupation: str
    sector: str
    declared_income: int
    jht: bool
    coop_role: str
    preferred_channel: str
    whatsapp_consent: bool
    registered_on: dt.date
    start_month: int
    covered_months: list[int]
    covered_from: int | None
    sponsors: tuple[SponsorRecord, ...] = ()

    @property
    def programs(self) -> frozenset[str]:
        return programs_of(self.jht)


ParticipantData = Participant | ParticipantRecord

_P = Participant.__table__
_S = ParticipantSponsor.__table__
_FIELDS = [f.name for f in dataclasses.fields(ParticipantRecord) if f.name != "sponsors"]
_SPONSOR_FIELDS = [f.name for f in dataclasses.fields(SponsorRecord)]


def _read_where(condition: sa.ColumnElement[bool]) -> sa.Select[tuple[object, ...]]:
    """The participant (by ``condition``) and its sponsors in one statement; both tables filtered
    by the coop explicitly (RLS applies as well)."""
    return (
        sa.select(
            *(_P.c[name] for name in _FIELDS),
            *(_S.c[name].label(f"sponsor_{name}") for name in _SPONSOR_FIELDS),
        )
        .select_from(_P.outerjoin(
            _S, sa.and_(_S.c.tenant_id == _P.c.tenant_id, _S.c.participant_id == _P.c.id)
        ))
        .where(_P.c.tenant_id == sa.bindparam("tenant_id"), condition)
        .order_by(_S.c.created_at)
    )


# Built once: by id (the lookup), by a whole NIK or KPJ (the search box's exact numbers).
_READ = _read_where(_P.c.id == sa.bindparam("participant_id"))
_READ_BY = {
    "nik": _read_where(_P.c.nik == sa.bindparam("number")),
    "kpj": _read_where(_P.c.kpj == sa.bindparam("number")),
}


def _record(rows: list[sa.Row[tuple[object, ...]]]) -> ParticipantRecord | None:
    if not rows:
        return None
    n = len(_FIELDS)
    sponsors = tuple(SponsorRecord(*row[n:]) for row in rows if row[n] is not None)
    return ParticipantRecord(*rows[0][:n], sponsors=sponsors)


def read_participant(participant_id: object) -> ParticipantRecord | None:
    """The participant of the current coop with its sponsors, or None (unknown, malformed or
    another coop's)."""
    pid = parse_id(participant_id)
    if pid is None:
        return None
    params = {"tenant_id": require_tenant().id, "participant_id": pid}
    return _record(db.session.connection().execute(_READ, params).all())


def read_by_number(kind: str, number: str) -> ParticipantRecord | None:
    """The current coop's participant with this whole NIK (``kind="nik"``) or KPJ (``"kpj"``):
    one probe of the (tenant_id, nik|kpj) unique index."""
    params = {"tenant_id": require_tenant().id, "number": number}
    return _record(db.session.connection().execute(_READ_BY[kind], params).all())
