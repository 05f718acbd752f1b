"""Today's date in the coop's time zone; ``GERAI_TODAY`` pretends another day (not in prod)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from flask import current_app, has_app_context

from tenants.context import current_tenant


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today(timezone: str | None = None) -> dt.date:
    """The current date where the coop is (WIB, WITA or WIT), honouring ``GERAI_TODAY``."""
    if has_app_context():
        override = current_app.config["GERAI"].today_override
        if override is not None:
            return override
    if timezone is None:
        ref = current_tenant()
        timezone = ref.timezone if ref else "Asia/Jakarta"
    return now_utc().astimezone(zoneinfo.ZoneInfo(timezone)).date()
