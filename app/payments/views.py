"""Payment pages under ``/<tenant-slug>/payments``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "payments", __name__, url_prefix="/<tenant_slug>/payments", template_folder="templates"
)
