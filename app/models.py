"""Imports every model so the registry (Alembic, the RLS check) sees all tables."""

from app.auth.models import PasswordLink, User  # noqa: F401
from tenants.audit import AuditEvent  # noqa: F401
from tenants.models import ApiToken, Tenant  # noqa: F401
