"""The audit log as people read it: what happened in words, who did it, to whom or what.

The stored events keep machine names (``auth.login``, ``participant:<id>``); this module turns
a page of them into sentences with a constant number of statements: the events, the coop's staff,
and the participants and imports the page names (one ``IN`` query each).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.formatting import rupiah
from app.participants.imports_model import ParticipantImport
from app.participants.models import Participant
from tenants.audit import AuditEvent
from tenants.context import require_tenant
from tenants.db import db

PAGE = 200

# Every action the app writes, in the words of the people who read the log.
ACTIONS: dict[str, Any] = {
    "auth.login": _l("Masuk"),
    "auth.login_failed": _l("Gagal masuk"),
    "auth.login_throttled": _l("Masuk ditahan: terlalu banyak percobaan"),
    "user.create": _l("Menambah staf"),
    "user.role": _l("Mengubah peran staf"),
    "user.activate": _l("Mengaktifkan staf"),
    "user.deactivate": _l("Menonaktifkan staf"),
    "user.password_link": _l("Membuat tautan kata sandi"),
    "user.password_set": _l("Menetapkan kata sandi"),
    "token.create": _l("Membuat token API"),
    "token.revoke": _l("Mencabut token API"),
    "participant.create": _l("Mendaftarkan peserta"),
    "participant.update": _l("Mengubah data peserta"),
    "participant.sponsor_add": _l("Menambah sponsor peserta"),
    "participant.sponsor_end": _l("Mengakhiri sponsor peserta"),
    "participants.import": _l("Mengimpor peserta dari Excel"),
    "participants.export": _l("Mengekspor daftar peserta"),
    "payment.create": _l("Menerima pembayaran"),
    "payment.void": _l("Membatalkan pembayaran"),
    "receipt.copy": _l("Mencetak salinan kwitansi"),
    "cash.close": _l("Menutup kas"),
    "jobs.retry": _l("Mengulang pekerjaan latar"),
    "door.platform": _l("Operator platform membuka data koperasi"),
    "door.mentor": _l("Mentor membuka data koperasi"),
}
SIGN_INS = ("auth.login", "auth.login_failed", "auth.login_throttled")
ROLE_NAMES = {
    "admin": _l("Admin (pengurus)"),
    "cashier": _l("Petugas kasir"),
    "pengawas": _l("Pengawas"),
    "mentor": _l("Mentor"),
}
SYSTEM_ACTORS = {"system": _l("Sistem"), "cli": _l("Perintah server"), "demo": _l("Data contoh")}


def action_words(action: str) -> str:
    """The phrase for ``action``; an action without one is shown as it is stored."""
    return str(ACTIONS.get(action, action))


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    person: uuid.UUID | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, args: Any, people: dict[uuid.UUID, User]) -> tuple[Filters, dict[str, str]]:
        """Filters from the query string; unknown values are dropped with a message per field."""
        errors: dict[str, str] = {}
        action = args.get("action") or None
        if action is not None and action not in ACTIONS:
            errors["action"], action = str(_l("Pilih kegiatan dari daftar.")), None
        person = None
        if args.get("person"):
            try:
                person = uuid.UUID(args["person"])
            except ValueError:
                person = None
            if person not in people:
                errors["person"], person = str(_l("Pilih orang dari daftar.")), None
        dates: dict[str, dt.date | None] = {}
        for name in ("since", "until"):
            raw = (args.get(name) or "").strip()
            try:
                dates[name] = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                errors[name], dates[name] = str(_l("Tulis tanggal seperti 2026-11-23.")), None
        return cls(action, person, dates["since"], dates["until"]), errors


@dataclass(frozen=True)
class Row:
    at: dt.datetime
    action: str
    words: str
    who: str
    target: str
    target_url: str | None
    detail: str
    ip: str


def _day_start(day: dt.date) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(require_tenant().timezone)
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def staff() -> dict[uuid.UUID, User]:
    return {u.id: u for u in db.session.scalars(sa.select(User).order_by(User.email))}


def _query(filters: Filters, people: dict[uuid.UUID, User]) -> sa.Select[Any]:
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.person:
        # A sign-in is written before anyone is signed in: it names the person by email.
        query = query.where(
            sa.or_(
                AuditEvent.actor_user_id == filters.person,
                sa.and_(
                    AuditEvent.actor_user_id.is_(None),
                    AuditEvent.action.in_(SIGN_INS),
                    AuditEvent.target == people[filters.person].email,
                ),
            )
        )
    if filters.since:
        query = query.where(AuditEvent.at >= _day_start(filters.since))
    if filters.until:
        query = query.where(AuditEvent.at < _day_start(filters.until + dt.timedelta(days=1)))
    return query


def _ids(events: list[AuditEvent], prefix: str) -> set[uuid.UUID]:
    out = set()
    for e in events:
        if e.target.startswith(prefix):
            try:
                out.add(uuid.UUID(e.target[len(prefix):]))
            except ValueError:
                continue
    return out


def _name(user: User | None) -> str | None:
    return (user.name or user.email) if user else None


def rows(filters: Filters, people: dict[uuid.UUID, User]) -> list[Row]:
    """One page of events as sentences (newest first), in at most three more statements."""
    from flask import url_for

    events = list(db.session.scalars(_query(filters, people)))
    pids = _ids(events, "participant:")
    names = dict(
        db.session.execute(
            sa.select(Participant.id, Participant.name).where(Participant.id.in_(pids))
        ).all()
    ) if pids else {}
    iids = _ids(events, "participant_import:")
    files = dict(
        db.session.execute(
            sa.select(ParticipantImport.id, ParticipantImport.filename)
            .where(ParticipantImport.id.in_(iids))
        ).all()
    ) if iids else {}
    by_email = {u.email: u for u in people.values()}
    out = []
    for e in events:
        target, url = e.target, None
        who = _name(people.get(e.actor_user_id)) if e.actor_user_id else None
        if e.action in SIGN_INS and who is None:
            who = _name(by_email.get(e.target)) or e.target
            target = ""
        if who is None:
            who = str(SYSTEM_ACTORS.get(e.actor, e.actor)) if e.actor else "–"
        if e.target.startswith("participant:"):
            pid = next(iter(_ids([e], "participant:")), None)
            target = names.get(pid, str(_l("Peserta")))
            url = url_for("participants.show", participant_id=pid) if pid in names else None
        elif e.target.startswith("participant_import:"):
            iid = next(iter(_ids([e], "participant_import:")), None)
            target = files.get(iid, str(_l("Impor")))
            url = url_for("participant_excel.status", import_id=iid) if iid in files else None
        elif e.action.startswith(("user.", "token.")):
            target = _name(by_email.get(e.target)) or e.target
        elif e.action == "cash.close":
            try:
                target = _name(people.get(uuid.UUID(e.target))) or e.target
            except ValueError:
                pass
        elif e.action == "participants.export":
            target = ""
        out.append(Row(e.at, e.action, action_words(e.action), who, target, url,
                       detail(e.action, e.details or {}), e.ip))
    return out


def detail(action: str, d: dict[str, Any]) -> str:
    """A short line of what matters in the event's details (never a secret: none are stored)."""
    if action == "payment.create":
        months = d.get("months") or []
        return str(_l("%(amount)s, %(n)s bulan", amount=rupiah(d.get("amount")), n=len(months)))
    if action == "payment.void":
        return str(_l("%(amount)s. Alasan: %(reason)s", amount=rupiah(d.get("amount")),
                      reason=d.get("reason", "")))
    if action == "cash.close":
        return str(_l("Dicatat %(expected)s, dihitung %(counted)s, selisih %(diff)s",
                      expected=rupiah(d.get("expected")), counted=rupiah(d.get("counted")),
                      diff=rupiah(d.get("difference"))))
    if action == "user.role":
        old, new = d.get("old"), d.get("new")
        return f"{ROLE_NAMES.get(old, old)} → {ROLE_NAMES.get(new, new)}"
    if action == "user.create":
        return str(ROLE_NAMES.get(d.get("role"), d.get("role") or ""))
    if action == "participants.import":
        return str(_l("%(saved)s dari %(rows)s baris disimpan", saved=d.get("imported", 0),
                      rows=d.get("rows", 0)))
    if action == "participants.export":
        return str(_l("%(rows)s baris", rows=d.get("rows", 0)))
    if action == "participant.update" and d.get("fields"):
        from app.participants.excel_columns import COLUMNS

        headers = {c.key: c.header for c in COLUMNS}  # the names the coop's Excel file uses
        headers["programs"] = "JHT"
        return ", ".join(headers.get(str(f), str(f)) for f in d["fields"])
    if action == "auth.login_failed" and d.get("reason") == "deactivated":
        return str(_l("akun nonaktif"))
    if action.startswith("door.") and d.get("reason"):
        return str(d["reason"])
    return ""
