"""Per-request tenancy: the coop from ``/<tenant-slug>/…``, set once and cleared on teardown."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g

from tenants.context import clear_tenant, current_tenant
from tenants.db import db
from tenants.door import enter_by_slug
from tenants.provision import SLUG_RE

TENANT_ARG = "tenant_slug"


class CoopDisabled(Exception):
    """The coop of this request is switched off: no sign-in, no pages, no API."""


def enter_slug(slug: str) -> None:
    """Resolve the slug through the platform table and enter the coop (one statement, the door)."""
    if not SLUG_RE.match(slug):
        abort(404)
    ref = enter_by_slug(slug)
    if ref is None:
        db.session.rollback()
        abort(404)
    g.tenant = ref
    if not ref.is_active:
        raise CoopDisabled(ref.name)


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def _pull_tenant(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values and TENANT_ARG in values:
            enter_slug(values.pop(TENANT_ARG))

    @app.url_defaults
    def _add_tenant(endpoint: str, values: dict[str, Any]) -> None:
        if TENANT_ARG in values or not app.url_map.is_endpoint_expecting(endpoint, TENANT_ARG):
            return
        ref = current_tenant()
        if ref is not None:
            values[TENANT_ARG] = ref.slug

    @app.teardown_request
    def _clear(_exc: BaseException | None) -> None:
        try:
            db.remove()
        finally:
            clear_tenant()  # always: the next request on this thread must start with no coop
