"""Participant operations: validate, write, audit — for the web form, the API and the import.

Every writer here works in the caller's transaction and leaves committing to the caller (a view, a
job, the API), so a failure anywhere rolls the whole unit back and no half-written row survives.

For the payments module (all in the caller's transaction, tenant set):
    get_participant(id) -> Participant | None      (None: unknown or another coop's → 404)
    lock_participant(id) -> Participant | None     (SELECT … FOR UPDATE; take it before a payment)
    terms_of(p) -> app.dues.Terms
    coverage_of(p, today) -> (app.dues.Coverage, arrears_amount)
    plan_for(p, months, today) -> app.dues.PaymentPlan   (raises app.dues.TooManyMonths)
    apply_payment_months(p, months: list[Period], new_start: Period | None, *, ref=None)
    remove_payment_months(p, months: list[Period], *, ref=None)
(the last five live in ``coverage_state`` and are re-exported here).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import clock
from app.auth.services import Actor, record_audit
from app.dues import Period
from app.participants import validation
from app.participants.coverage_state import (
    CoverageStateError,
    apply_payment_months,
    coverage_of,
    init_state,
    month,
    plan_for,
    recompute,
    remove_payment_months,
    set_opening_balance,
    terms_of,
)
from app.participants.models import Participant, ParticipantSponsor
from app.participants.records import SponsorRecord
from tenants.db import db, parse_id, utcnow

__all__ = [
    "CoverageStateError",
    "DuplicateParticipant",
    "Invalid",
    "add_sponsor",
    "apply_payment_months",
    "coverage_of",
    "end_sponsor",
    "get_participant",
    "lock_participant",
    "parse_id",
    "plan_for",
    "register",
    "remove_payment_months",
    "set_opening_balance",
    "terms_of",
    "update",
]


class Invalid(ValueError):
    """Fields are wrong: ``errors`` maps field → message (lazy, translated when shown)."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = dict(errors)


class DuplicateParticipant(ValueError):
    """The NIK (or KPJ) is already registered in this coop, to ``existing_id``."""

    def __init__(self, field: str, existing_id: uuid.UUID, existing_name: str) -> None:
        super().__init__(f"{field} already registered")
        self.field = field
        self.existing_id = existing_id
        self.existing_name = existing_name
        if field == "nik":
            self.message: Any = _l("NIK ini sudah terdaftar di koperasi ini.")
        else:
            self.message = _l("KPJ ini sudah terdaftar di koperasi ini.")


# The API's lookup: one statement with the sponsors joined (not get() plus a second SELECT),
# built once (building a statement costs more than running a cached one).
_BY_ID = (
    sa.select(Participant)
    .options(joinedload(Participant.sponsors))
    .where(Participant.id == sa.bindparam("participant_id"))
)


def get_participant(participant_id: uuid.UUID | str) -> Participant | None:
    """The participant of the current coop, or None (unknown, malformed or another coop's)."""
    pid = parse_id(participant_id)
    if pid is None:
        return None
    return db.session.execute(_BY_ID, {"participant_id": pid}).unique().scalar_one_or_none()


def lock_participant(participant_id: uuid.UUID | str) -> Participant | None:
    """Like ``get_participant`` but row-locked (``FOR UPDATE``) until the transaction ends."""
    pid = parse_id(participant_id)
    if pid is None:
        return None
    return db.session.scalar(
        sa.select(Participant)
        .where(Participant.id == pid)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _audit(action: str, actor: Actor, p: Participant, **details: object) -> None:
    record_audit(
        action,
        actor,
        target=f"participant:{p.id}",
        nik_masked=validation.mask_number(p.nik),
        **details,
    )


def _find_duplicate(values: Mapping[str, Any], exclude: uuid.UUID | None) -> None:
    for field in ("nik", "kpj"):
        value = values.get(field)
        if not value:
            continue
        query = sa.select(Participant.id, Participant.name).where(
            getattr(Participant, field) == value
        )
        if exclude is not None:
            query = query.where(Participant.id != exclude)
        row = db.session.execute(query).first()
        if row is not None:
            raise DuplicateParticipant(field, row.id, row.name)


@contextmanager
def _unique_checked(values: Mapping[str, Any], exclude: uuid.UUID | None) -> Iterator[None]:
    """Write inside a savepoint: a concurrent duplicate (the unique constraint firing after our
    check passed) becomes DuplicateParticipant, and the caller's transaction stays usable.

    Everything to be checked must be changed *inside* the block: entering a savepoint flushes
    the session's pending work first, outside it.
    """
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        with db.session.no_autoflush:
            _find_duplicate(values, exclude)
        raise


def assign(p: Participant, values: Mapping[str, Any]) -> None:
    """Copy validated fields onto a participant (register, update and the Excel import)."""
    for key in (
        "nik", "kpj", "family_card_number", "name", "birth_place", "birth_date", "sex", "phone",
        "email", "address", "kelurahan", "kecamatan", "occupation", "sector", "declared_income",
        "coop_role", "preferred_channel", "whatsapp_consent",
    ):
        setattr(p, key, values[key])
    p.sort_name = validation.search_key(values["name"])
    p.jht = "JHT" in values["programs"]


def _sponsor_row(
    values: Mapping[str, Any], default_from: Period, prefix: str = ""
) -> ParticipantSponsor:
    """A sponsor without a first month starts in ``default_from`` (never silently in the past:
    covering earlier months, e.g. arrears, must be asked for by giving the month)."""
    start = values["from"] or default_from
    if values["until"] is not None and values["until"] < start:
        raise Invalid({f"{prefix}until": _l("Bulan akhir tidak boleh sebelum bulan mulai.")})
    return ParticipantSponsor(
        name=values["name"],
        type=values["type"],
        programs=[p for p in validation.PROGRAM_ORDER if p in values["programs"]],
        from_month=start.index,
        until_month=values["until"].index if values["until"] else None,
    )


def register(
    data: Mapping[str, Any],
    actor: Actor,
    *,
    today: dt.date | None = None,
    registered_on: dt.date | None = None,
) -> Participant:
    """Register a participant (optionally with one sponsor); Invalid or DuplicateParticipant.

    ``registered_on`` (default: today in the coop's time zone) sets the start month; the import
    and the demo pass earlier dates.
    """
    today = today or clock.today()
    values, errors = validation.clean_participant(data, today)
    if errors:
        raise Invalid(errors)
    _find_duplicate(values, None)
    registered_on = registered_on or today
    p = Participant(registered_on=registered_on)
    assign(p, values)
    if values["sponsor"] is not None:
        p.sponsors.append(_sponsor_row(values["sponsor"], Period.of(registered_on), "sponsor."))
    init_state(p, Period.of(registered_on))
    with _unique_checked(values, None):
        db.session.add(p)
    _audit("participant.create", actor, p, sponsored=values["sponsor"] is not None)
    return p


def update(
    p: Participant, data: Mapping[str, Any], actor: Actor, *, today: dt.date | None = None
) -> Participant:
    """Replace the participant's details (every field; sponsors change through add/end)."""
    if "sponsor" in data:
        raise Invalid({"sponsor": _l("Sponsor diubah lewat halaman peserta.")})
    values, errors = validation.clean_participant(data, today or clock.today())
    if errors:
        raise Invalid(errors)
    _find_duplicate(values, p.id)
    changed = sorted(
        key for key in values if key not in ("sponsor", "programs")
        and getattr(p, key, None) != values[key]
    )
    if p.programs != values["programs"]:
        changed.append("programs")
    with _unique_checked(values, p.id):
        assign(p, values)
        p.updated_at = utcnow()
        recompute(p)  # the programs decide which months a sponsor pays in full
    _audit("participant.update", actor, p, fields=changed)
    return p


def add_sponsor(
    p: Participant, data: Mapping[str, Any], actor: Actor, *, today: dt.date | None = None
) -> ParticipantSponsor:
    """Add a sponsor (from the current month unless ``from`` is given) and update the stored
    coverage in the same transaction."""
    errors: dict[str, Any] = {}
    values = validation.clean_sponsor(data, errors, prefix="")
    if errors or values is None:
        raise Invalid(errors)
    row = _sponsor_row(values, Period.of(today or clock.today()))
    p.sponsors.append(row)
    recompute(p)
    db.session.flush()
    _audit("participant.sponsor_add", actor, p, sponsor=row.name, type=row.type)
    return row


def end_sponsor(
    p: Participant, sponsor_id: uuid.UUID, until: Period, actor: Actor
) -> ParticipantSponsor:
    """End a sponsorship with ``until`` as its last month (inclusive); coverage follows."""
    row = next((s for s in p.sponsors if s.id == sponsor_id), None)
    if row is None:
        raise LookupError("no such sponsor")
    if row.from_month is not None and until.index < row.from_month:
        raise Invalid({"until": _l("Bulan akhir tidak boleh sebelum bulan mulai.")})
    if until < validation.EARLIEST_MONTH:
        raise Invalid({"until": _l("Bulan paling awal 2015-07.")})
    if row.until_month is not None and until.index > row.until_month:
        raise Invalid({"until": _l("Sponsor ini sudah berakhir lebih awal.")})
    row.until_month = until.index
    row.ended_at = utcnow()
    recompute(p)
    db.session.flush()
    _audit("participant.sponsor_end", actor, p, sponsor=row.name, until=str(until))
    return row


def sponsor_view(row: ParticipantSponsor | SponsorRecord) -> dict[str, Any]:
    """A sponsor as the API and the pages show it."""
    return {
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "programs": list(row.programs),
        "from": month(row.from_month),
        "until": month(row.until_month),
    }
