"""The tenancy kernel: base, session, the Tenant, the current tenant, RLS, and the audited door.

Knows nothing about participants, dues or payments.
"""
