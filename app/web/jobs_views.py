"""The coop admin's page of recent, running and failed jobs (filled in by the jobs issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/<tenant_slug>/jobs", template_folder="templates")
