"""The catalogues are complete: every string the code marks has an English translation (not fuzzy,
same placeholders), and the committed template is current (``tests/web/test_english.py`` reads
the pages in English for strings never marked at all)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
POT = ROOT / "app/translations/messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _ids(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list:  # type: ignore[no-untyped-def, type-arg]
    """What ``pybabel extract`` finds in the code now (same keywords as scripts/translations.py)."""
    out = tmp_path_factory.mktemp("babel") / "messages.pot"
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l",
         "--no-location", "--omit-header", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with out.open("rb") as fh:
        return [m for m in read_po(fh) if m.id]


def test_english_catalogue_translates_every_string(extracted) -> None:  # type: ignore[no-untyped-def]
    with PO.open("rb") as fh:
        catalogue = read_po(fh)
    problems = []
    for message in extracted:
        entry = catalogue.get(message.id, context=message.context)
        key = _ids(message)[0]
        if entry is None or not all(_strings(entry)):
            problems.append(f"untranslated: {key!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        else:
            wanted = set(PLACEHOLDER.findall(" ".join(_ids(message))))
            for string in _strings(entry):
                if set(PLACEHOLDER.findall(string)) != wanted:
                    problems.append(f"placeholders differ: {key!r} → {string!r}")
    problems += [f"fuzzy: {_ids(m)[0]!r}" for m in catalogue if m.id and m.fuzzy]
    assert problems == [], "run `python scripts/translations.py`, then translate:\n" + "\n".join(
        problems)


def test_committed_template_is_current(extracted) -> None:  # type: ignore[no-untyped-def]
    with POT.open("rb") as fh:
        template = {_ids(m)[0] for m in read_po(fh) if m.id}
    missing = sorted(_ids(m)[0] for m in extracted if _ids(m)[0] not in template)
    assert missing == [], "run `python scripts/translations.py`"
