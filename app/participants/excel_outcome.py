"""What one import found (good rows, errors, notes) and the limits that stop it, in words.

``Outcome`` collects the rows to write and the entries of the import's error list (``imports``'
frozen messages); ``deadline`` is the import's time limit as a ``tick`` called for every line read,
row checked and chunk written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from app.dues import Period
from app.participants import excel_read
from app.participants.excel_columns import BY_KEY
from app.participants.imports import MAX_ERRORS, error_entry, note_entry
from app.participants.models import Participant


@dataclass
class Good:
    line: int
    values: dict[str, Any]
    paid_through: Period | None
    participant: Participant | None = None


@dataclass
class Outcome:
    total: int = 0
    good: list[Good] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    written: int = 0
    truncated: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def note(self, message: Any) -> None:
        self.errors.append(note_entry(message))

    def fail(self, message: Any) -> None:
        """The import as a whole stops: only this message (and the notes) are kept."""
        self.errors = [e for e in self.errors if e.get("note")]
        self.bad_lines.clear()
        self.total = 0
        self.written = 0
        self.add(0, "", message)

    def add(self, line: int, key: str, message: Any) -> None:
        if line:
            self.bad_lines.add(line)
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            return
        column = BY_KEY[key].header if key in BY_KEY else ""
        self.errors.append(error_entry(line, self.headers.get(key, column), key, message))



class TooSlow(excel_read.FileProblem):
    """The import ran past ``imports.TIME_LIMIT``."""


def deadline(seconds: int) -> Callable[[], None]:
    """A ``tick`` that raises TooSlow once ``seconds`` have passed (called per line and row)."""
    end = time.monotonic() + seconds

    def tick() -> None:
        if time.monotonic() > end:
            raise TooSlow(
                _l(
                    "Impor dihentikan karena lebih dari %(minutes)s menit; tidak ada yang "
                    "disimpan. Bagi berkas menjadi beberapa berkas yang lebih kecil lalu unggah "
                    "lagi.",
                    minutes=max(1, round(seconds / 60)),
                )
            )

    return tick


def stopped(line: int) -> Any:
    """The note for a reading stopped by a run of blank rows starting at ``line``."""
    return _l(
        "Pembacaan berhenti di baris %(line)s: sesudah %(n)s baris kosong berturut-turut, sisa "
        "lembar dianggap kosong dan tidak dibaca. Bila masih ada peserta di bawahnya, hapus "
        "baris-baris kosong itu lalu unggah lagi.",
        line=excel_read.count(line), n=excel_read.count(excel_read.BLANK_RUN),
    )
