"""``python -m bench.dataset``: the package run as a command (the options are in ``cli``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dataset.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
