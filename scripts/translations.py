"""Keep the English catalogue in step with the Indonesian source strings.

    python scripts/translations.py            # extract, merge into en, report untranslated
    python scripts/translations.py FILE.py    # also fill translations from a dict T in FILE.py

The .po file is the source of truth for English; ``make`` compiles it.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "app/translations/messages.pot"
PO = ROOT / "app/translations/en/LC_MESSAGES/messages.po"


def main(argv: list[str]) -> int:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [
            pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "--no-location",
            "--omit-header",
            "-o",
            str(POT),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    subprocess.run(
        [
            pybabel,
            "update",
            "-N",
            "--ignore-obsolete",
            "-i",
            str(POT),
            "-d",
            "app/translations",
            "-l",
            "en",
        ],
        cwd=ROOT,
        check=True,
    )
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    extra: dict[str, str] = runpy.run_path(argv[0])["T"] if argv else {}
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in extra:
            message.string = extra[key]
            message.flags.discard("fuzzy")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or "fuzzy" in message.flags:
            missing.append(key)
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, width=100)
    for key in missing:
        print(f"untranslated: {key!r}")
    print(f"{len(missing)} untranslated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
