"""Whole numbers typed into web forms: one strict reader for every integer field.

``int()`` accepts far more than people mean to type — ``"١٢"``, ``"１２"``, ``"1_2"``, ``" 12 "`` —
while ``str.isdigit()`` accepts ``"²"``, which ``int()`` then refuses with a 500. Every web field
that holds a number is read here instead: ASCII digits only, within the field's range, or a
``NumberError`` carrying the message for people.

Readers are small functions over the typed text: ``parse_whole`` for counts, ``parse_rupiah`` for
money typed the way people write it (``30.000``, ``Rp 30.000``, ``Rp30.000,00``). Both take ASCII
digits only; ``WholeNumberField`` takes the reader as a parameter, so every form uses one field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import StopValidation

from app.formatting import rupiah

_ASCII_DIGITS = re.compile(r"[0-9]+")
MAX_DIGITS = 15  # below 2**53 and far above any amount or count the counter handles


class NumberError(ValueError):
    """The text is not a number this field accepts; ``message`` is for people (lazy)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def parse_whole(text: str, low: int = 0, high: int = 10**MAX_DIGITS - 1) -> int:
    """A whole number written with ASCII digits only (no sign, no separators), in [low, high]."""
    value = text.strip()
    if not _ASCII_DIGITS.fullmatch(value) or len(value) > MAX_DIGITS:
        raise NumberError(_l("Tulis angka saja (0–9)."))
    number = int(value)
    if not low <= number <= high:
        raise NumberError(_l("Angka harus antara %(low)d dan %(high)d.", low=low, high=high))
    return number


# Money as Indonesians (and the occasional English keyboard) write it: an optional "Rp" (with or
# without a dot and spaces), digits either plain or grouped by threes with dots (or commas), and
# optionally zero decimals written with the other mark (",00", ",-"; ".00" after commas). Cash has
# no sen: "30.000,50" is refused rather than rounded, and so is anything that could be a mistyped
# grouping ("30.00", "30,00", "3.0000").
_RUPIAH = re.compile(
    r"(?:rp\.?\s*)?"
    r"(?:(?P<plain>[0-9]+)(?P<plain_zero>,(?:00?|-))?"
    r"|(?P<dots>[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?:00?|-))?"
    r"|(?P<commas>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.00?)?)",
    re.IGNORECASE,
)


def parse_rupiah(text: str, low: int = 0, high: int = 10**MAX_DIGITS - 1) -> int:
    """Whole rupiah from ``30000``, ``30.000``, ``30,000``, ``Rp 30.000``, ``Rp30.000,00``."""
    match = _RUPIAH.fullmatch(text.strip())
    if match is None or (match["plain_zero"] and len(match["plain"]) <= 3):
        raise NumberError(_l("Tulis jumlah rupiah, misalnya 30000, 30.000 atau Rp30.000."))
    digits = (match["plain"] or match["dots"] or match["commas"]).replace(".", "").replace(",", "")
    amount = parse_whole(digits)
    if not low <= amount <= high:
        raise NumberError(
            _l("Jumlah harus antara %(low)s dan %(high)s.", low=rupiah(low), high=rupiah(high))
        )
    return amount


def whole_or_none(text: str | None, low: int = 0, high: int = 10**MAX_DIGITS - 1) -> int | None:
    """``parse_whole`` for optional values read from links: None when absent or unreadable."""
    if text is None:
        return None
    try:
        return parse_whole(text, low, high)
    except NumberError:
        return None


Reader = Callable[[str], int]


class NumberRequired:
    """A number must be there (``0`` counts: an empty drawer is closed with 0)."""

    field_flags = {"required": True}

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data is None and not field.errors:
            raise StopValidation(str(self.message))


class WholeNumberField(StringField):
    """A text input holding a whole number read by ``reader``; an empty input is ``None``.

    What was typed is kept (``raw``) so the page shows it back next to the message.
    """

    def __init__(self, label: Any = None, validators: Any = None, *, low: int = 0,
                 high: int = 10**MAX_DIGITS - 1, reader: Reader | None = None,
                 message: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.reader: Reader = reader or (lambda text: parse_whole(text, low, high))
        self.message = message
        self.raw = ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        self.raw = str(valuelist[0]) if valuelist else ""
        if not self.raw.strip():
            return
        try:
            self.data = self.reader(self.raw)
        except NumberError as exc:
            raise ValueError(str(self.message or exc.message)) from None

    def _value(self) -> str:
        if self.raw:
            return self.raw
        return "" if self.data is None else str(self.data)
