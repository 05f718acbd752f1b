"""Hypothesis strategies for the input that has broken apps like this one: text PostgreSQL cannot
hold (NUL, lone surrogates), text that grows when normalised (NFKC + casefold), digits ``int()``
or ``str.isdigit()`` read differently (superscripts, other scripts, full width, ``1_0``), control
and invisible characters, and any JSON value where a string is expected.

Used by the fuzz tests of the API, the web forms and the query strings: whatever they draw, the
answer is never a 500 and a refused write leaves nothing behind.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

NUL = "\x00"
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
GROWING = ["ß", "\ufdfa", "\u0390", "ﬃ", "㎒", "\u3300", "İ"]  # NFKC/casefold: one becomes several
ODD_DIGITS = ["²", "³", "¹", "⁰", "١", "٣", "۵", "१", "１", "৪", "_", "½", "Ⅻ", "𝟘"]
CONTROLS = ["\t", "\n", "\r", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\u200b",
            "\u202e", "\ufeff", "\\", "/", "%", "'", '"', "<", ">", "&", ";", " "]

# One of each kind, tried on every field before the random search: the class, always covered.
EXEMPLARS = [
    "a\x00b", "\ud800", "x\udfff", "ß" * 101, "\ufdfa" * 12, "ﬃ" * 67, "²", "1²", "1000000²",
    "١٢", "１２", "1_0", "/\t/evil.example", "/\r\n", "a\nb", "\x1b[31m", "\u202e", "\u200b",
    "\\\\evil.example", "",
]

nasty_char = st.sampled_from([NUL, *SURROGATES, *GROWING, *ODD_DIGITS, *CONTROLS])


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text that is hostile in one of the ways above, each way drawn about as often as the others.

    Each branch aims at the edge that breaks things: a growing letter repeated so that the text
    fits its column but its normalised form does not, a plausible number with an odd digit, a
    plausible word with one character PostgreSQL or an HTTP header cannot hold.
    """
    grown = st.tuples(st.sampled_from(GROWING), st.sampled_from([1, 12, 34, 67, 101, 150, 200]))
    number = st.tuples(
        st.sampled_from(["", "1", "3", "12", "30000", "1000000"]), st.sampled_from(ODD_DIGITS),
        st.sampled_from(["", "0", "000"]),
    )
    word = st.sampled_from(["", "/", "Ahmad", "2026-11", "apbd", "JKK", "081234567890", "/kmp/"])
    spoiled = st.tuples(word, nasty_char, word)
    mixed = st.lists(
        st.one_of(nasty_char, st.characters(codec="utf-8"), st.sampled_from("0123456789")),
        max_size=max_size,
    ).map("".join)
    return st.one_of(
        grown.map(lambda t: t[0] * t[1]),
        number.map("".join),
        spoiled.map("".join),
        mixed,
    )


def cursors() -> st.SearchStrategy[list[Any]]:
    """What a list cursor decodes to: mostly the right shape ([text, id]) with hostile text."""
    ids = st.one_of(st.uuids().map(str), nasty_text())
    return st.one_of(
        st.tuples(nasty_text(), ids).map(list),
        st.lists(st.one_of(nasty_text(), json_values()), max_size=3),
    )


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, strings drawn from ``nasty_text``."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
        nasty_text(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(nasty_text(8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def url_quote(value: str) -> str:
    """Percent-encode anything, lone surrogates included (sent as the bytes they would be)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")
