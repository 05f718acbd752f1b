"""Participants and their sponsors, with coverage kept as stored state on the participant.

Months are stored as integers, ``Period.index`` (``year * 12 + month - 1``): plain integer
arithmetic in SQL on PostgreSQL and SQLite alike. ``Period.from_index`` turns one back.

Stored coverage (see ``coverage_state`` for how it is kept right):
- ``registered_month``  the month the person registered (the first start month);
- ``start_month``       the current start month (moves on a restart or an opening balance);
- ``start_events``      the start-setting events still in force, oldest first
                        (``{"ref", "start", "months"}``), so a void can undo a restart;
- ``paid_months``       months of live payments and opening balances (a multiset, sorted);
- ``covered_months``    every covered month below ``covered_from``: paid ∪ fully sponsored
                        (PostgreSQL ``integer[]``, a JSON list on SQLite), sorted, unique;
- ``covered_from``      from this month on every month is fully sponsored (an open-ended
                        sponsorship), or NULL;
- ``paid_through_month`` the end of the unbroken covered run from ``start_month`` within the
                        finite part (NULL when the start month is not covered);
- ``open_run``          that run continues into the open-ended sponsorship;
- ``last_covered_month`` the latest month in ``covered_months`` (NULL when empty).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, TenantOwned, tenant_fk, utcnow

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MonthList = sa.JSON().with_variant(postgresql.ARRAY(sa.Integer()), "postgresql")


class Participant(TenantOwned, Base):
    """A person registered at the counter for BPJS Ketenagakerjaan (BPU)."""

    __tablename__ = "participants"

    nik: Mapped[str] = mapped_column(sa.String(16))
    # The NIK's last four digits (what the list shows unmasked), kept by PostgreSQL, searched by
    # equality so the (tenant_id, nik_tail) index answers under RLS (migration 0008).
    nik_tail: Mapped[str | None] = mapped_column(
        sa.String(4), sa.Computed("substr(nik, 13, 4)", persisted=True)
    )
    kpj: Mapped[str | None] = mapped_column(sa.String(11), default=None)
    family_card_number: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    name: Mapped[str] = mapped_column(sa.String(200))
    sort_name: Mapped[str] = mapped_column(sa.String(200))
    birth_place: Mapped[str] = mapped_column(sa.String(100), default="")
    birth_date: Mapped[dt.date] = mapped_column(sa.Date())
    sex: Mapped[str] = mapped_column(sa.String(1))
    phone: Mapped[str] = mapped_column(sa.String(16))
    email: Mapped[str | None] = mapped_column(sa.String(254), default=None)
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    kelurahan: Mapped[str] = mapped_column(sa.String(100), default="")
    kecamatan: Mapped[str] = mapped_column(sa.String(100), default="")
    occupation: Mapped[str] = mapped_column(sa.String(100))
    sector: Mapped[str] = mapped_column(sa.String(16))
    declared_income: Mapped[int] = mapped_column(sa.BigInteger())
    jht: Mapped[bool] = mapped_column(default=False)
    coop_role: Mapped[str] = mapped_column(sa.String(16), default="bukan_anggota")
    preferred_channel: Mapped[str] = mapped_column(sa.String(16), default="whatsapp")
    whatsapp_consent: Mapped[bool] = mapped_column(default=False)
    registered_on: Mapped[dt.date] = mapped_column(sa.Date())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    # --- stored coverage state (see module docstring) ---
    registered_month: Mapped[int] = mapped_column(sa.Integer())
    start_month: Mapped[int] = mapped_column(sa.Integer())
    start_events: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    paid_months: Mapped[list[int]] = mapped_column(JSONType, default=list)
    covered_months: Mapped[list[int]] = mapped_column(MonthList, default=list)
    covered_from: Mapped[int | None] = mapped_column(sa.Integer(), default=None)
    paid_through_month: Mapped[int | None] = mapped_column(sa.Integer(), default=None)
    open_run: Mapped[bool] = mapped_column(default=False)
    last_covered_month: Mapped[int | None] = mapped_column(sa.Integer(), default=None)

    sponsors: Mapped[list[ParticipantSponsor]] = relationship(
        back_populates="participant",
        order_by="ParticipantSponsor.created_at",
        lazy="selectin",
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "nik"),
        sa.UniqueConstraint("tenant_id", "kpj"),
        sa.Index("ix_participants_tenant_sort", "tenant_id", "sort_name", "id"),
        sa.Index("ix_participants_tenant_phone", "tenant_id", "phone"),
        sa.Index("ix_participants_tenant_nik_tail", "tenant_id", "nik_tail"),
        sa.CheckConstraint("sex IN ('L', 'P')", name="sex"),
        sa.CheckConstraint(
            "sector IN ('fishery', 'agriculture', 'trade', 'transport', 'labour', 'services',"
            " 'other')",
            name="sector",
        ),
        sa.CheckConstraint(
            "coop_role IN ('pengurus', 'pengawas', 'anggota', 'bukan_anggota')", name="coop_role"
        ),
        sa.CheckConstraint(
            "preferred_channel IN ('whatsapp', 'sms', 'email')", name="preferred_channel"
        ),
        sa.CheckConstraint("declared_income > 0", name="declared_income"),
    )

    @property
    def programs(self) -> frozenset[str]:
        return programs_of(self.jht)


def programs_of(jht: bool) -> frozenset[str]:
    """Every participant has JKK and JKM; JHT (old-age savings) is their choice."""
    return frozenset({"JKK", "JKM", "JHT"} if jht else {"JKK", "JKM"})


class ParticipantSponsor(TenantOwned, Base):
    """Someone (government budget, CSR, the coop) paying some programs for a range of months."""

    __tablename__ = "participant_sponsors"

    participant_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(8))
    programs: Mapped[list[str]] = mapped_column(JSONType)
    from_month: Mapped[int | None] = mapped_column(sa.Integer(), default=None)
    until_month: Mapped[int | None] = mapped_column(sa.Integer(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    participant: Mapped[Participant] = relationship(back_populates="sponsors")

    __table_args__ = (
        tenant_fk(["participant_id"], "participants"),
        sa.Index("ix_participant_sponsors_participant", "tenant_id", "participant_id"),
        sa.CheckConstraint("type IN ('apbn', 'apbd', 'csr', 'coop')", name="type"),
        sa.CheckConstraint(
            "until_month IS NULL OR from_month IS NULL OR until_month >= from_month",
            name="window",
        ),
    )
