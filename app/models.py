"""Imports every model so the registry (Alembic, the RLS check) sees all tables."""

import app.jobrecords  # noqa: F401
import app.participants.imports_model  # noqa: F401
import app.participants.models  # noqa: F401
import app.payments.models  # noqa: F401
from app.auth.models import ApiToken, PasswordLink, User  # noqa: F401
from tenants.audit import AuditEvent  # noqa: F401
from tenants.models import Tenant  # noqa: F401
