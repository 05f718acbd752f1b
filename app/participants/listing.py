"""Participant lists: search, coverage filters and keyset pages in a constant number of queries.

One SELECT for the page (status, arrears and paid-through computed in SQL from the stored state and
today's date) plus one for the page's sponsors (``selectin``), however many rows are shown. Pages
are sorted by name then id and continue after an opaque cursor (the last row's key).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app import clock
from app.dues import STATUSES, Period
from app.participants import validation
from app.participants.coverage_state import coverage_columns
from app.participants.models import Participant
from tenants.db import db

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_QUERY = 100


class InvalidCursor(ValueError):
    """The cursor was not made by us (or was edited)."""


@dataclass(frozen=True)
class Row:
    participant: Participant
    status: str
    arrears_months: int
    paid_through: Period | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None


def encode_cursor(sort_name: str, pid: uuid.UUID) -> str:
    raw = json.dumps([sort_name, str(pid)], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
        sort_name, pid = data
        if not isinstance(sort_name, str) or not isinstance(pid, str):
            raise ValueError
        if not storable_text(sort_name):
            raise ValueError  # JSON can spell NUL and lone surrogates; PostgreSQL cannot hold them
        return sort_name, uuid.UUID(pid)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InvalidCursor("invalid cursor") from None


def storable_text(text: str) -> bool:
    """Text PostgreSQL can compare: no NUL, no lone surrogate (not UTF-8 encodable)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _prefix(column: Any, prefix: str, width: int) -> Any:
    """``column`` starts with the digits ``prefix``, as an index range.

    Under RLS only leakproof operators may use an index, and ``LIKE`` is not one: a prefix written
    as ``>= p AND <= p999…`` lets the ``(tenant_id, column)`` index answer instead of a scan of the
    whole coop (the columns hold digits only, so the range is exact).
    """
    return sa.and_(column >= prefix, column <= prefix + "9" * max(0, width - len(prefix)))


def exact_number(q: str) -> tuple[str, str] | None:
    """``("nik", digits)`` for a whole NIK (16 digits), ``("kpj", digits)`` for a whole KPJ (11),
    however separated; None for anything else. These are searched by equality, not as prefixes:
    the lookup a counter makes all day is then one unique-index probe."""
    text = q.strip()
    if not _NUMBER.fullmatch(text):
        return None
    digits = validation.digits_only(text)
    if len(digits) == 16:
        return "nik", digits
    if len(digits) == 11:
        return "kpj", digits
    return None


_NUMBER = re.compile(r"[0-9][0-9\s.\-]*")


def search_condition(q: str) -> Any:
    """What a search box query matches, every branch an index lookup inside the coop.

    - a whole NIK (16 digits): that NIK, by equality;
    - digits: NIK or KPJ prefix, the NIK's last four digits (what the masked list shows), a phone
      number however typed;
    - words: every word in the name, in any order (``aisyah siti``), case-insensitive.
    """
    text = q.strip()
    exact = exact_number(text)
    if exact is not None and exact[0] == "nik":
        return Participant.nik == exact[1]
    conditions = []
    digits = validation.digits_only(text)
    numeric = bool(digits) and digits.isdigit() and digits.isascii()
    only_number = numeric and re.fullmatch(r"\+?[0-9\s.\-()]+", text) is not None
    key = validation.search_key(text)
    if key and not only_number:
        words = [w for w in key.split(" ") if w]
        conditions.append(
            sa.and_(*(Participant.sort_name.contains(w, autoescape=True) for w in words))
        )
    if numeric:
        if exact is not None:  # a whole KPJ: equality (and still a phone or NIK typed so far)
            conditions.append(Participant.kpj == digits)
        else:
            conditions.append(_prefix(Participant.kpj, digits, 11))
        conditions.append(_prefix(Participant.nik, digits, 16))
        if len(digits) == 4:
            conditions.append(Participant.nik_tail == digits)
    phone = validation.phone_search_prefix(text)
    if phone and len(phone) >= 6:
        conditions.append(_prefix(Participant.phone, phone, 16))
    return sa.or_(*conditions) if conditions else sa.true()


def list_participants(
    *,
    q: str | None = None,
    status: str | None = None,
    min_arrears: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    today: dt.date | None = None,
) -> Page:
    """A page of the current coop's participants; InvalidCursor or ValueError on bad input."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError("limit out of range")
    today = today or clock.today()
    cols = coverage_columns(today)
    query = sa.select(
        Participant,
        cols["status"].label("status"),
        cols["arrears_months"].label("arrears_months"),
        cols["paid_through"].label("paid_through"),
    )
    query = query.where(*_filters(q, status, min_arrears, cols))
    if cursor:
        sort_name, pid = decode_cursor(cursor)
        query = query.where(
            sa.tuple_(Participant.sort_name, Participant.id) > sa.tuple_(
                sa.literal(sort_name), sa.literal(pid, sa.Uuid())
            )
        )
    query = query.order_by(Participant.sort_name, Participant.id).limit(limit + 1)
    result = db.session.execute(query).all()
    rows = [
        Row(
            participant=r[0],
            status=r.status,
            arrears_months=int(r.arrears_months),
            paid_through=Period.from_index(r.paid_through) if r.paid_through is not None else None,
        )
        for r in result[:limit]
    ]
    next_cursor = None
    if len(result) > limit:
        last = rows[-1].participant
        next_cursor = encode_cursor(last.sort_name, last.id)
    return Page(rows, next_cursor)


def _filters(q: str | None, status: str | None, min_arrears: int | None,
             cols: dict[str, Any]) -> list[Any]:
    conditions = []
    if q and q.strip():
        conditions.append(search_condition(q))
    if status is not None:
        conditions.append(cols["status"] == status)
    if min_arrears is not None:
        conditions.append(cols["arrears_months"] >= min_arrears)
    return conditions


def count_participants(
    *, q: str | None = None, status: str | None = None, min_arrears: int | None = None,
    today: dt.date | None = None,
) -> int:
    """How many of the coop's participants match (the list's count line)."""
    conditions = []
    if q or status is not None or min_arrears is not None:
        conditions = _filters(q, status, min_arrears, coverage_columns(today or clock.today()))
    query = sa.select(sa.func.count()).select_from(Participant).where(*conditions)
    return int(db.session.scalar(query) or 0)
