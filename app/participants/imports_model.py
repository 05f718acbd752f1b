"""One participant import: the uploaded file, how it is to be imported, and what came of it.

The import job (``app.participants.tasks.import_participants``) takes only this row's id. The file's
bytes are kept here (not on a disk a second web server or worker would not see) until the import
has finished, then dropped: the coop keeps the outcome and the error list, not a second copy of its
members' data. ``errors`` holds one entry per problem, ``{"line", "col", "field", "msg", "args"}``
(``line`` 0 for problems with the file itself); ``msg`` is the message's msgid, translated when
shown, so the error list reads in the viewer's language.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, TenantOwned, tenant_fk, utcnow

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# "queued" until the job commits its outcome (while it runs, its job record says so and shows
# the progress): the job holds this row locked, so the same import never runs twice at once.
QUEUED, DONE, REJECTED = "queued", "done", "rejected"
STATUSES = (QUEUED, DONE, REJECTED)
FINISHED = (DONE, REJECTED)

ALL_OR_NOTHING, GOOD_ONLY = "all", "good_only"
MODES = (ALL_OR_NOTHING, GOOD_ONLY)

FORMATS = ("xlsx", "csv")


class ParticipantImport(TenantOwned, Base):
    """An uploaded XLSX/CSV of participants and the outcome of importing it."""

    __tablename__ = "participant_imports"

    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    mode: Mapped[str] = mapped_column(sa.String(16))
    filename: Mapped[str] = mapped_column(sa.String(200))
    file_format: Mapped[str] = mapped_column(sa.String(8))
    size_bytes: Mapped[int] = mapped_column(sa.Integer())
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary(), default=None)
    as_of: Mapped[dt.date] = mapped_column(sa.Date())  # "today" for the rules and start months
    job_id: Mapped[str | None] = mapped_column(sa.String(120), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_by_label: Mapped[str] = mapped_column(sa.String(200), default="")
    total_rows: Mapped[int] = mapped_column(sa.Integer(), default=0)
    imported_count: Mapped[int] = mapped_column(sa.Integer(), default=0)
    error_rows: Mapped[int] = mapped_column(sa.Integer(), default=0)
    errors: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    errors_truncated: Mapped[bool] = mapped_column(default=False)
    ignored_columns: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        tenant_fk(["created_by"], "users"),
        sa.Index("ix_participant_imports_tenant_created", "tenant_id", "created_at"),
        sa.CheckConstraint("status IN ('queued', 'done', 'rejected')", name="status"),
        sa.CheckConstraint("mode IN ('all', 'good_only')", name="mode"),
        sa.CheckConstraint("file_format IN ('xlsx', 'csv')", name="file_format"),
    )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
