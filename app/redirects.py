"""Where a user-supplied ``next`` may send the browser: a page of this site, never another.

The value is judged as the browser will read the ``Location`` header, not as Python reads the
string. A browser (WHATWG URL parsing) drops tabs, newlines and carriage returns anywhere, drops
leading and trailing C0 controls and spaces, and treats ``\\`` as ``/`` in http(s) URLs — so
``/\\t/evil.example`` is ``//evil.example``, another host. Anything the browser would rewrite, any
control or invisible format character, a scheme, a host, or a dot segment that climbs out of the
coop is refused: the caller's default page is used instead. A newline never reaches the header.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

# Unicode categories refused anywhere: controls, format characters (zero-width, bidi), separators
# other than the plain space (line and paragraph separators).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
MAX_LENGTH = 2000


def _plain(value: str) -> bool:
    """True when the browser reads ``value`` exactly as written (nothing stripped or rewritten)."""
    if "\\" in value or value != value.strip(" "):
        return False
    return not any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value)


def _climbs(path: str) -> bool:
    """A ``.`` or ``..`` segment (also percent-encoded), which the browser resolves away."""
    return any(unquote(segment) in (".", "..") for segment in path.split("/"))


def safe_next(value: str | None, coop_slug: str | None = None, *, default: str) -> str:
    """``value`` if it is a same-origin path (under ``/<coop_slug>`` when given), else ``default``.

    ``coop_slug=None`` allows any path of the site (the language switch); with a slug, only that
    coop's pages (``/<slug>`` or ``/<slug>/…``), so signing in never lands in another coop.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH or not _plain(value):
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or _climbs(parts.path):
        return default
    if coop_slug is not None:
        home = f"/{coop_slug}"
        if parts.path != home and not parts.path.startswith(home + "/"):
            return default
    return value
