"""Whole numbers typed into web forms: one strict reader for every integer field.

``int()`` accepts far more than people mean to type — ``"١٢"``, ``"１２"``, ``"1_2"``, ``" 12 "`` —
while ``str.isdigit()`` accepts ``"²"``, which ``int()`` then refuses with a 500. Every web field
that holds a number is read here instead: ASCII digits only, within the field's range, or a
``NumberError`` carrying the message for people.

Readers are small functions over the already-trimmed text (``parse_whole`` today); a reader for
amounts typed the Indonesian way (``Rp 30.000``) is another function beside it, and
``WholeNumberField`` takes the reader as a parameter, so every form uses the same field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField

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


def whole_or_none(text: str | None, low: int = 0, high: int = 10**MAX_DIGITS - 1) -> int | None:
    """``parse_whole`` for optional values read from links: None when absent or unreadable."""
    if text is None:
        return None
    try:
        return parse_whole(text, low, high)
    except NumberError:
        return None


Reader = Callable[[str], int]


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
