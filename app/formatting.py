"""Indonesian formats for money, dates, periods and phone numbers (UI.md), as Jinja filters."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from flask import Flask
from flask_babel import get_locale


def _locale() -> str:
    try:
        loc = get_locale()
    except (RuntimeError, KeyError):
        loc = None
    return str(loc) if loc else "id"


def rupiah(amount: int | None) -> str:
    """``Rp16.800``: dots group thousands, no decimals, minus sign in front."""
    if amount is None:
        return "–"
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(int(amount)):,}".replace(",", ".")


def number(value: int | None) -> str:
    """``3.001``: dots group thousands, the way Indonesians write counts."""
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(int(value)):,}".replace(",", ".")


def long_date(value: dt.date | dt.datetime | None) -> str:
    """``23 November 2026``."""
    if value is None:
        return "–"
    return format_date(value, "d MMMM y", locale=_locale())


def short_date(value: dt.date | dt.datetime | None) -> str:
    """``23 Nov 2026``."""
    if value is None:
        return "–"
    return format_date(value, "d MMM y", locale=_locale()).replace(".", "")


def local_time(value: dt.datetime | None) -> str:
    """A stored UTC moment as the coop sees it: ``23 Nov 2026 20.10`` (its own time zone)."""
    if value is None:
        return "–"
    import zoneinfo

    from tenants.context import current_tenant

    ref = current_tenant()
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    local = aware.astimezone(zoneinfo.ZoneInfo(ref.timezone if ref else "Asia/Jakarta"))
    return f"{short_date(local)} {clock_time(local)}"


def clock_time(value: dt.datetime | dt.time) -> str:
    """``09.25``: hours and minutes with a dot, the Indonesian way, on every page and receipt."""
    return f"{value.hour:02d}.{value.minute:02d}"


def local_clock(value: dt.datetime | None) -> str:
    """A stored UTC moment as the coop's clock shows it, time only: ``09.25``."""
    if value is None:
        return "–"
    import zoneinfo

    from tenants.context import current_tenant

    ref = current_tenant()
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return clock_time(aware.astimezone(zoneinfo.ZoneInfo(ref.timezone if ref else "Asia/Jakarta")))


def period_name(value: str | None) -> str:
    """``2026-11`` → ``November 2026``."""
    if not value:
        return "–"
    year, month = (int(part) for part in str(value).split("-"))
    return format_date(dt.date(year, month, 1), "MMMM y", locale=_locale())


def phone_display(e164: str | None) -> str:
    """``+6281234567890`` → ``0812-3456-7890``, the way people write it."""
    if not e164:
        return "–"
    if not e164.startswith("+62"):
        return e164
    local = "0" + e164[3:]
    parts = [local[:4], local[4:8], local[8:]]
    return "-".join(p for p in parts if p)


def init_app(app: Flask) -> None:
    app.add_template_filter(rupiah)
    app.add_template_filter(number)
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(period_name)
    app.add_template_filter(local_time)
    app.add_template_filter(phone_display)
    app.add_template_filter(local_clock, "clock")
