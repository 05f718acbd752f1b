"""Participant pages under ``/<tenant-slug>/participants``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "participants", __name__, url_prefix="/<tenant_slug>/participants", template_folder="templates"
)
