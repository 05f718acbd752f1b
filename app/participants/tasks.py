"""Participant jobs (run through ``app.jobs``; they take ids and plain values, never objects)."""

from __future__ import annotations

import uuid
from typing import Any


def import_participants(import_id: uuid.UUID) -> dict[str, Any]:
    """Import the file of one ``ParticipantImport`` of the current coop (the job's coop)."""
    from app.participants import excel_import

    return excel_import.run(import_id)
