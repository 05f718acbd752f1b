"""``/api/v1/participants`` (filled in by the participants issue)."""

from __future__ import annotations

from typing import Any

from app.api.views import bp  # noqa: F401 - routes register on the v1 blueprint


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) this module adds to the OpenAPI document."""
    return {}, {}
