"""Users and API tokens: creating them and checking their credentials."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import Invalid
from .models import ROLE_SUPERVISOR, ROLES, TOKEN_ROLES, ApiToken, User, UserOffice

MIN_PASSWORD_LENGTH = 8
#: Checked against when a username is unknown, so that a login takes as long
#: for an unknown user as for a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def role_allows(role: str, needed: str) -> bool:
    """Each role can do what the ones before it can."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", "unknown_role")


def check_token_role(role: str) -> None:
    """A token is a clerk's, a manager's or an administrator's: a supervisor
    oversees offices as a person signed in, never through a token."""
    if role == ROLE_SUPERVISOR:
        raise Invalid(
            f"a token's role is one of {', '.join(TOKEN_ROLES)}: a supervisor signs in",
            "supervisor_token",
        )
    if role not in TOKEN_ROLES:
        raise Invalid(f"role must be one of {', '.join(TOKEN_ROLES)}", "unknown_role")


def assigned_offices(session: Session, user_id: int) -> frozenset[int]:
    """The ids of the offices a supervisor oversees."""
    return frozenset(
        session.scalars(select(UserOffice.office_id).where(UserOffice.user_id == user_id))
    )


def office_scope(session: Session, user: User) -> frozenset[int] | None:
    """A supervisor's offices; None for any other user, whose office is
    ``user.office_id`` (None: every office)."""
    if user.role != ROLE_SUPERVISOR:
        return None
    return assigned_offices(session, user.id)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    now: datetime,
    *,
    office_id: int | None = None,
    display_name: str = "",
) -> User:
    _check_role(role)
    username = username.strip()
    if not username:
        raise Invalid("a username is required", "invalid_username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", "password_too_short"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"the username {username!r} is taken", "username_taken")
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=role,
        office_id=office_id,
        display_name=display_name or username,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def hash_token(token: str) -> str:
    # Tokens are 256 random bits: a plain digest is enough to keep a stolen
    # database from yielding usable tokens, and lets a request find its row.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, name: str, role: str, now: datetime, *, office_id: int | None = None
) -> tuple[ApiToken, str]:
    """A new token row and the token itself, which is never stored."""
    check_token_role(role)
    token = "luot_" + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name, token_hash=hash_token(token), role=role, office_id=office_id, created_at=now
    )
    session.add(row)
    session.flush()
    return row, token


def find_token(session: Session, token: str) -> ApiToken | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke_token(session: Session, token_id: int, now: datetime) -> None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def create_kiosk_key(session: Session, kiosk_id: int) -> str:
    """A new key that registers a kiosk PC's browser as this kiosk; an older
    key stops working. Returned once; only its digest is stored."""
    from .errors import NotFound
    from .models import Kiosk

    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound("no such kiosk", "kiosk_not_found")
    key = secrets.token_urlsafe(24)
    kiosk.key_hash = hash_token(key)
    session.flush()
    return key


def kiosk_key_matches(session: Session, kiosk_id: int, key: str) -> bool:
    from .models import Kiosk

    kiosk = session.get(Kiosk, kiosk_id)
    return (
        kiosk is not None
        and kiosk.is_active
        and kiosk.key_hash is not None
        and secrets.compare_digest(kiosk.key_hash, hash_token(key))
    )
