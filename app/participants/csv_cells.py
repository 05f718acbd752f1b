"""CSV cells a spreadsheet cannot run (OWASP "CSV Injection"), and reading them back.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, CR or LF — or with a separator (``;``,
``,``, ``|``) after which a spreadsheet may start a new cell — gets a leading apostrophe, also when
spaces come first (some spreadsheets skip them). The full-width forms count too: some Excels read
``＝`` as ``=``. Every field is quoted as well (``csv.QUOTE_ALL``), so a separator or quote inside a
value never starts a new cell. The import takes the apostrophe off again, so an export re-imports
as it was.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n;,|\uff1d\uff0b\uff0d\uff20")


def _risky(text: str) -> bool:
    return text.lstrip(" ")[:1] in FORMULA_TRIGGERS


def csv_safe(value: Any) -> str:
    """A cell as text a spreadsheet shows as text."""
    text = "" if value is None else str(value)
    return "'" + text if _risky(text) else text


def csv_restore(value: str) -> str:
    """What ``csv_safe`` was given (an apostrophe it did not add stays)."""
    if value.startswith("'") and _risky(value[1:]):
        return value[1:]
    return value
