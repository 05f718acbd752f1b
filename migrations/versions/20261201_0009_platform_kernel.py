"""The platform tables' kernel: API tokens become tenant-owned, platform writes go through functions.

- ``api_tokens``: primary key ``(tenant_id, id)``, composite foreign key ``(tenant_id, user_id) →
  users``, RLS enabled and forced. Tokens of users that no longer exist are deleted (they were
  already revoked by 0006); FORCE is lifted from ``users`` for this transaction only, as in 0006,
  so that the owner sees every coop's users while it checks. Resolving a bearer token, the one read before the coop is known, is
  ``gerai_token_owner(hash)``: it returns the holder's coop, user and role and enters that coop.
- ``tenants`` and ``scheduled_runs`` stay platform tables the application role may only read;
  ``gerai db upgrade`` revokes its writes. Creating a coop, renaming it, disabling or enabling it,
  setting its receipt code and claiming or pruning its scheduled runs are ``SECURITY DEFINER``
  functions owned by the owner role, each checking its preconditions; the coop operations write
  the coop's audit log.
- ``tenants.code`` (the receipt code) is unique across the deployment; existing duplicates get a
  digit.

Every function has a fixed ``search_path`` and names its tables with their schema; EXECUTE is
revoked from PUBLIC here and granted to the application role by ``gerai db upgrade``.

Revision ID: 0009
Revises: 0008
"""

import re

import sqlalchemy as sa
from alembic import op

from tenants.rls import TENANT_EXPR, disable_rls, enable_rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "gerai_token_owner(text)",
    "gerai_create_tenant(uuid, text, text, text, text, text)",
    "gerai_rename_tenant(uuid, text, text)",
    "gerai_set_tenant_status(uuid, text, text)",
    "gerai_set_receipt_code(uuid, text, uuid, text)",
    "gerai_claim_scheduled_run(text, uuid, date, text)",
    "gerai_prune_scheduled_runs(uuid, date)",
)

# Raised with these SQLSTATEs so the application can tell the cases apart.
# GR001: the coop is not the one entered in this transaction; GR002: bad input;
# GR003: the coop has receipts (its receipt code is fixed).
_HEADER = """
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
"""

_ENTERED = f"""
    IF p_tenant IS DISTINCT FROM {TENANT_EXPR} THEN
        RAISE EXCEPTION 'cooperative % is not the one entered in this transaction', p_tenant
            USING ERRCODE = 'GR001';
    END IF;
"""

_AUDIT = """
    INSERT INTO public.audit_events (tenant_id, id, at, action, actor_user_id, actor, target, ip,
        request_id, details)
    VALUES (p_tenant, gen_random_uuid(), now(), {action}, {actor_user}, left(coalesce(p_actor, ''),
        200), {target}, '', '', {details});
"""

SQL = [
    # Bearer token -> coop, user, role (and what the door needs of the coop); enters the coop.
    f"""
CREATE FUNCTION public.gerai_token_owner(p_token_hash text)
RETURNS TABLE (token_id uuid, user_id uuid, role varchar, tenant_id uuid, slug varchar,
    name varchar, timezone varchar, status varchar, due_day smallint, grace_months smallint,
    code varchar)
{_HEADER}
AS $$
DECLARE
    r record;
BEGIN
    SELECT k.id AS k_id, k.user_id AS k_user, k.role AS k_role, t.id AS t_id, t.slug AS t_slug,
           t.name AS t_name, t.timezone AS t_zone, t.status AS t_status, t.due_day AS t_due,
           t.grace_months AS t_grace, t.code AS t_code
    INTO r
    FROM public.api_tokens k JOIN public.tenants t ON t.id = k.tenant_id
    WHERE k.token_hash = p_token_hash AND k.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('app.tenant_id', r.t_id::text, true);
    RETURN QUERY SELECT r.k_id, r.k_user, r.k_role, r.t_id, r.t_slug, r.t_name, r.t_zone,
        r.t_status, r.t_due, r.t_grace, r.t_code;
END
$$""",
    # A new coop, audited in its own log. Nothing may be entered: a new coop is nobody's yet.
    f"""
CREATE FUNCTION public.gerai_create_tenant(p_tenant uuid, p_slug text, p_name text,
    p_timezone text, p_code text, p_actor text)
RETURNS void
{_HEADER}
AS $$
DECLARE
    entered text := current_setting('app.tenant_id', true);
BEGIN
    IF coalesce(entered, '') <> '' THEN
        RAISE EXCEPTION 'create a cooperative from a transaction with none entered'
            USING ERRCODE = 'GR001';
    END IF;
    IF p_slug !~ '^[a-z0-9][a-z0-9-]{{1,38}}[a-z0-9]$' OR p_slug LIKE '%--%' THEN
        RAISE EXCEPTION 'bad slug %', p_slug USING ERRCODE = 'GR002';
    END IF;
    IF length(btrim(coalesce(p_name, ''))) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'bad name' USING ERRCODE = 'GR002';
    END IF;
    IF p_code !~ '^[A-Z0-9]{{2,8}}$' THEN
        RAISE EXCEPTION 'bad receipt code %', p_code USING ERRCODE = 'GR002';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = p_timezone) THEN
        RAISE EXCEPTION 'unknown time zone %', p_timezone USING ERRCODE = 'GR002';
    END IF;
    INSERT INTO public.tenants (id, slug, name, timezone, status, due_day, grace_months, code,
        created_at)
    VALUES (p_tenant, p_slug, btrim(p_name), p_timezone, 'active', 15, 3, p_code, now());
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    {_AUDIT.format(action="'tenant.create'", actor_user="NULL", target="p_slug",
                   details="jsonb_build_object('name', btrim(p_name), 'timezone', p_timezone,"
                           " 'code', p_code)")}
    PERFORM set_config('app.tenant_id', coalesce(entered, ''), true);
END
$$""",
    f"""
CREATE FUNCTION public.gerai_rename_tenant(p_tenant uuid, p_name text, p_actor text)
RETURNS void
{_HEADER}
AS $$
DECLARE
    old text;
BEGIN
    {_ENTERED}
    IF length(btrim(coalesce(p_name, ''))) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'bad name' USING ERRCODE = 'GR002';
    END IF;
    SELECT name INTO old FROM public.tenants WHERE id = p_tenant FOR UPDATE;
    UPDATE public.tenants SET name = btrim(p_name) WHERE id = p_tenant;
    {_AUDIT.format(action="'tenant.rename'", actor_user="NULL",
                   target="(SELECT slug FROM public.tenants WHERE id = p_tenant)",
                   details="jsonb_build_object('from', old, 'to', btrim(p_name))")}
END
$$""",
    f"""
CREATE FUNCTION public.gerai_set_tenant_status(p_tenant uuid, p_status text, p_actor text)
RETURNS void
{_HEADER}
AS $$
BEGIN
    {_ENTERED}
    IF p_status NOT IN ('active', 'disabled') THEN
        RAISE EXCEPTION 'bad status %', p_status USING ERRCODE = 'GR002';
    END IF;
    UPDATE public.tenants SET status = p_status WHERE id = p_tenant;
    {_AUDIT.format(action="CASE p_status WHEN 'active' THEN 'tenant.enable'"
                          " ELSE 'tenant.disable' END",
                   actor_user="NULL",
                   target="(SELECT slug FROM public.tenants WHERE id = p_tenant)",
                   details="'{}'::jsonb")}
END
$$""",
    # The receipt code: unique across the deployment (the constraint), fixed once a receipt exists.
    f"""
CREATE FUNCTION public.gerai_set_receipt_code(p_tenant uuid, p_code text, p_actor_user uuid,
    p_actor text)
RETURNS void
{_HEADER}
AS $$
DECLARE
    old text;
BEGIN
    {_ENTERED}
    IF p_code !~ '^[A-Z0-9]{{2,8}}$' THEN
        RAISE EXCEPTION 'bad receipt code %', p_code USING ERRCODE = 'GR002';
    END IF;
    SELECT code INTO old FROM public.tenants WHERE id = p_tenant FOR UPDATE;
    IF old = p_code THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM public.receipt_counters WHERE tenant_id = p_tenant)
       OR EXISTS (SELECT 1 FROM public.payments WHERE tenant_id = p_tenant
                  AND receipt_no IS NOT NULL) THEN
        RAISE EXCEPTION 'cooperative % has receipts', p_tenant USING ERRCODE = 'GR003';
    END IF;
    UPDATE public.tenants SET code = p_code WHERE id = p_tenant;
    {_AUDIT.format(action="'tenant.receipt_code'", actor_user="p_actor_user",
                   target="(SELECT slug FROM public.tenants WHERE id = p_tenant)",
                   details="jsonb_build_object('from', old, 'to', p_code)")}
END
$$""",
    # The cron fan-out's claim: only for the coop the door switched into.
    f"""
CREATE FUNCTION public.gerai_claim_scheduled_run(p_kind text, p_tenant uuid, p_date date,
    p_job_id text)
RETURNS boolean
{_HEADER}
AS $$
BEGIN
    {_ENTERED}
    INSERT INTO public.scheduled_runs (kind, tenant_id, local_date, job_id, claimed_at)
    VALUES (p_kind, p_tenant, p_date, p_job_id, now())
    ON CONFLICT (kind, tenant_id, local_date) DO NOTHING;
    RETURN FOUND;
END
$$""",
    f"""
CREATE FUNCTION public.gerai_prune_scheduled_runs(p_tenant uuid, p_before date)
RETURNS integer
{_HEADER}
AS $$
DECLARE
    n integer;
BEGIN
    {_ENTERED}
    DELETE FROM public.scheduled_runs WHERE tenant_id = p_tenant AND local_date < p_before;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$""",
]


def _unique_codes() -> None:
    """Give every coop a receipt code no other coop has (the oldest keeps a shared one)."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, slug, code FROM tenants ORDER BY created_at, slug")
    ).all()
    taken: set[str] = set()
    for row in rows:
        base = re.sub(r"[^A-Z0-9]", "", (row.code or row.slug).upper())[:8] or "KOP"
        code, n = base.ljust(2, "0"), 1
        while code in taken:
            n += 1
            code = f"{base[: 8 - len(str(n))]}{n}"
        taken.add(code)
        if code != row.code:
            conn.execute(
                sa.text("UPDATE tenants SET code = :c WHERE id = :i"), {"c": code, "i": row.id}
            )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE users NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "DELETE FROM api_tokens WHERE NOT EXISTS (SELECT 1 FROM users u WHERE"
        " u.tenant_id = api_tokens.tenant_id AND u.id = api_tokens.user_id)"
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_tenant_id")
        batch.drop_index("ix_api_tokens_user_id")
        batch.drop_constraint("pk_api_tokens", type_="primary")
        batch.create_primary_key("pk_api_tokens", ["tenant_id", "id"])
        batch.create_foreign_key(
            op.f("fk_api_tokens_tenant_id_user_id_users"), "users",
            ["tenant_id", "user_id"], ["tenant_id", "id"],
        )
        batch.create_index("ix_api_tokens_tenant_user", ["tenant_id", "user_id"])
    if postgres:  # FORCE back only now: validating the new foreign key reads every coop's users
        op.execute("ALTER TABLE users FORCE ROW LEVEL SECURITY")
    enable_rls(op, "api_tokens")

    _unique_codes()
    with op.batch_alter_table("tenants") as batch:
        batch.create_unique_constraint(op.f("uq_tenants_code"), ["code"])

    if postgres:
        # The token lookup runs as the owner before any coop is entered: the owner (and only the
        # owner) may read every token row; the application role stays under the usual policies.
        op.execute("CREATE POLICY api_tokens_owner_lookup ON api_tokens FOR SELECT"
                   " TO CURRENT_USER USING (true)")
        for statement in SQL:
            op.execute(statement)
        for function in FUNCTIONS:
            op.execute(f"REVOKE ALL ON FUNCTION public.{function} FROM PUBLIC")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS public.{function}")
        op.execute("DROP POLICY IF EXISTS api_tokens_owner_lookup ON api_tokens")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint(op.f("uq_tenants_code"), type_="unique")
    disable_rls(op, "api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_tenant_user")
        batch.drop_constraint(op.f("fk_api_tokens_tenant_id_user_id_users"), type_="foreignkey")
        batch.drop_constraint("pk_api_tokens", type_="primary")
        batch.create_primary_key("pk_api_tokens", ["id"])
        batch.create_index("ix_api_tokens_user_id", ["user_id"])
        batch.create_index("ix_api_tokens_tenant_id", ["tenant_id"])
