"""Staff operations: validate, write, audit. Nothing but these writes users."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.auth import throttle
from app.auth.models import ROLES, ApiToken, PasswordLink, User
from tenants import audit
from tenants.context import require_tenant
from tenants.db import db, utcnow
from tenants.door import hash_token

hasher = PasswordHasher()
_DUMMY_HASH = hasher.hash("not-a-real-password-but-the-same-cost")

MIN_PASSWORD = 10
LINK_HOURS = 48

# What each role may do; views and the API check these names, never role strings.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "read",
            "participants.write",
            "payments.write",
            "payments.void",
            "staff.manage",
            "settings.manage",
            "jobs.manage",
            "export.full",
            "identity.full",
        }
    ),
    # "identity.full": NIK and family-card numbers in full (pages and API); others see them masked
    "cashier": frozenset({"read", "participants.write", "payments.write", "identity.full"}),
    "pengawas": frozenset({"read"}),
    "mentor": frozenset({"read", "supervision"}),
}


def can(user: User | TokenHolder | None, permission: str) -> bool:
    return bool(user and user.active and permission in PERMISSIONS.get(user.role, frozenset()))


class AuthError(ValueError):
    """A refused staff operation; ``code`` is stable, the message is for people."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.field = field


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where, for the audit log."""

    user_id: uuid.UUID | None = None
    label: str = ""
    ip: str = ""
    request_id: str = ""


SYSTEM = Actor(label="system")


def record_audit(action: str, actor: Actor, target: str = "", **details: object) -> None:
    """Write ``action`` by ``actor`` (who, from where, which request) to the coop's audit log."""
    audit.record(
        action,
        actor_user_id=actor.user_id,
        actor=actor.label,
        target=target,
        ip=actor.ip,
        request_id=actor.request_id,
        **details,
    )


def normalise_email(raw: str) -> str:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AuthError("email", _l("Alamat email tidak valid."), "email") from exc


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AuthError(
            "password",
            _l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD),
            "password",
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.lower()))


def get_user(user_id: uuid.UUID) -> User | None:
    return db.session.get(User, (require_tenant().id, user_id))


@dataclass(frozen=True)
class TokenHolder:
    """Who an API request acts as, straight from the live token (no read of the user).

    Active by construction: deactivating a user or changing the role revokes the token.
    """

    id: uuid.UUID
    role: str
    active: bool = True


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.email)))


NOT_AN_EMAIL = "[bukan email]"


def audit_email(raw: str) -> str:
    """What a failed sign-in's audit line names: the address typed, only if it is one.

    Anything else (a password typed into the wrong field, say) becomes a marker, never stored.
    """
    try:
        return normalise_email(raw)
    except AuthError:
        return NOT_AN_EMAIL


def authenticate(email: str, password: str, actor: Actor) -> User:
    """Check a sign-in at the current coop, throttled per email + address (see ``throttle``)."""
    email = (email or "").strip().lower()
    attempt = throttle.reserve(email, actor.ip)
    if not attempt.allowed:
        record_audit("auth.login_throttled", actor, target=audit_email(email))
        db.session.commit()
        raise AuthError(
            "throttled",
            _l("Terlalu banyak percobaan masuk. Coba lagi dalam 15 menit."),
        )
    user = find_user_by_email(email)
    ok = False
    try:
        ok = hasher.verify(
            user.password_hash if user and user.password_hash else _DUMMY_HASH, password or ""
        )
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.password_hash:
        record_audit("auth.login_failed", actor, target=audit_email(email))
        db.session.commit()
        raise AuthError("invalid", _l("Email atau kata sandi salah."))
    attempt.succeeded()
    if not user.active:
        record_audit("auth.login_failed", actor, target=email, reason="deactivated")
        db.session.commit()
        raise AuthError("inactive", _l("Akun ini sudah dinonaktifkan. Hubungi pengurus koperasi."))
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    record_audit("auth.login", actor, target=email)
    throttle.forget_expired()
    db.session.commit()
    return user


def create_user(
    email: str, role: str, actor: Actor, *, name: str = "", password: str | None = None
) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise AuthError("role", _l("Peran tidak dikenal."), "role")
    if find_user_by_email(email) is not None:
        raise AuthError("exists", _l("Email ini sudah terdaftar di koperasi ini."), "email")
    if password is not None:
        check_password_strength(password)
    user = User(
        email=email,
        name=(name or "").strip()[:200],
        role=role,
        password_hash=hasher.hash(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    record_audit("user.create", actor, target=email, role=role)
    return user


def set_role(user: User, role: str, actor: Actor) -> None:
    """A new role revokes the user's API tokens: a token carries the role it was made for."""
    if role not in ROLES:
        raise AuthError("role", _l("Peran tidak dikenal."), "role")
    if role != user.role:
        message = _l("Anda tidak bisa mengubah peran Anda sendiri. Minta admin lain.")
        _guard_self(user, actor, message)
    _guard_last_admin(user, new_role=role)
    old, user.role = user.role, role
    if old != role:
        _revoke_all_tokens(user)
    record_audit("user.role", actor, target=user.email, old=old, new=role)


def _revoke_all_tokens(user: User) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.tenant_id == user.tenant_id,
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def _guard_last_admin(user: User, *, new_role: str | None = None, deactivate: bool = False) -> None:
    """A coop must always keep one active admin, or nobody could manage its staff."""
    if user.role != "admin" or not user.active:
        return
    if new_role == "admin" and not deactivate:
        return
    admins = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.role == "admin", User.active)
    )
    if (admins or 0) <= 1:
        raise AuthError("last_admin", _l("Koperasi harus punya minimal satu pengurus admin aktif."))


def _guard_self(user: User, actor: Actor, message: object) -> None:
    """Nobody locks themselves out with one tap: another admin (or the operator) must do it."""
    if actor.user_id is not None and actor.user_id == user.id:
        raise AuthError("self", str(message))


def set_active(user: User, active: bool, actor: Actor) -> None:
    """Deactivation ends every session and API token of that user at once."""
    if not active:
        _guard_self(user, actor, _l("Anda tidak bisa menonaktifkan akun Anda sendiri."))
        _guard_last_admin(user, deactivate=True)
        user.session_version += 1
        _revoke_all_tokens(user)
    user.active = active
    record_audit("user.activate" if active else "user.deactivate", actor, target=user.email)


def _void_open_links(user: User) -> None:
    """Every unused link of ``user`` stops working (marked used): only the newest one counts."""
    db.session.execute(
        sa.update(PasswordLink)
        .where(
            PasswordLink.tenant_id == user.tenant_id,
            PasswordLink.user_id == user.id,
            PasswordLink.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def issue_password_link(user: User, actor: Actor) -> str:
    """A one-time token valid for 48 hours that voids the user's older ones; only its hash is
    stored."""
    _void_open_links(user)
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordLink(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + dt.timedelta(hours=LINK_HOURS),
        )
    )
    record_audit("user.password_link", actor, target=user.email)
    return token


def find_password_link(token: str) -> PasswordLink | None:
    link = db.session.scalar(
        sa.select(PasswordLink).where(PasswordLink.token_hash == hash_token(token or ""))
    )
    if link is None or link.used_at is not None or _aware(link.expires_at) < utcnow():
        return None
    return link


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def use_password_link(token: str, password: str, actor: Actor) -> User:
    link = find_password_link(token)
    if link is None:
        raise AuthError("link", _l("Tautan ini sudah dipakai atau kedaluwarsa. Minta tautan baru."))
    check_password_strength(password)
    user = get_user(link.user_id)
    if user is None or not user.active:
        raise AuthError("inactive", _l("Akun ini sudah dinonaktifkan. Hubungi pengurus koperasi."))
    _void_open_links(user)  # this link and any other still open
    user.password_hash = hasher.hash(password)
    user.session_version += 1
    record_audit("user.password_set", actor, target=user.email)
    return user


def create_api_token(user: User, actor: Actor, label: str = "") -> str:
    """Return a new token once; only its SHA-256 is stored, in the coop's own (RLS) table."""
    if not user.active:
        raise AuthError("inactive", _l("Akun ini sudah dinonaktifkan. Hubungi pengurus koperasi."))
    token = "gerai_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            token_hash=hash_token(token),
            tenant_id=user.tenant_id,
            user_id=user.id,
            role=user.role,
            label=(label or "")[:100],
        )
    )
    record_audit("token.create", actor, target=user.email, label=label[:100])
    return token


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.tenant_id == user.tenant_id, ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(user: User, token_id: uuid.UUID, actor: Actor) -> bool:
    token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.id == token_id,
            ApiToken.tenant_id == user.tenant_id,
            ApiToken.user_id == user.id,
        )
    )
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record_audit("token.revoke", actor, target=user.email, label=token.label)
    return True


def end_sessions(user: User) -> None:
    """Sign-out: every session cookie of ``user`` made so far stops working, copies included.

    The cookie is signed, not stored, so "this session" can only end by changing what the loader
    checks: the user's session version, which also ends the user's sessions on other devices.
    """
    user.session_version += 1


def load_session_user(user_key: str) -> User | None:
    """Flask-Login loader: ``id:version`` within the current coop; anything else is anonymous."""
    try:
        raw_id, raw_version = user_key.split(":", 1)
        user_id, version = uuid.UUID(raw_id), int(raw_version)
    except ValueError:
        return None
    user = get_user(user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user
