"""Users (with a supervisor's offices), their passwords, and API tokens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .. import accounts
from ..errors import Invalid, NotFound, WrongState
from ..models import ROLE_ADMIN, ROLE_SUPERVISOR, ROLES, ApiToken, Office, User, UserOffice
from ..operations import Actor, get_office, record
from .common import apply_changes, check_flag, check_text, jsonable, refuse_unknown_fields


def _role_and_office(session: Session, role: Any, office_id: Any) -> tuple[str, int | None]:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", "unknown_role")
    if role == ROLE_SUPERVISOR:
        # No office of their own: the offices they oversee are assigned.
        return role, None
    if office_id is not None:
        get_office(session, office_id)
    elif role != ROLE_ADMIN:
        raise Invalid("a clerk or a manager belongs to an office", "office_required")
    return role, office_id


#: Ids beyond this are no row's (and PostgreSQL refuses to compare them).
_LARGEST_ID = 2**31 - 1


def _supervised(session: Session, role: str, office_ids: Any) -> list[int]:
    """The offices assigned to a supervisor, sorted: at least one, each an
    office that exists. Other roles are assigned none."""
    if office_ids is None:
        office_ids = []
    if not isinstance(office_ids, list | tuple | set | frozenset) or not all(
        isinstance(each, int) and not isinstance(each, bool) for each in office_ids
    ):
        raise Invalid("office_ids must be a list of office ids", "invalid_field")
    wanted = sorted(set(office_ids))
    if role != ROLE_SUPERVISOR:
        if wanted:
            raise Invalid("only a supervisor oversees offices", "offices_not_for_role")
        return []
    if not wanted:
        raise Invalid("a supervisor oversees at least one office", "offices_required")
    known = set(
        session.scalars(
            select(Office.id).where(Office.id.in_([i for i in wanted if 0 < i <= _LARGEST_ID]))
        )
    )
    unknown = [each for each in wanted if each not in known]
    if unknown:
        raise Invalid(f"no office with id {unknown[0]}", "office_not_found")
    return wanted


def _assign_offices(session: Session, user_id: int, office_ids: list[int]) -> None:
    """Make the supervisor's assigned offices exactly ``office_ids``."""
    current = accounts.assigned_offices(session, user_id)
    gone = current - set(office_ids)
    if gone:
        session.execute(
            delete(UserOffice).where(UserOffice.user_id == user_id, UserOffice.office_id.in_(gone))
        )
    session.add_all(
        UserOffice(user_id=user_id, office_id=each) for each in office_ids if each not in current
    )
    session.flush()


def _logging_offices(office_id: int, supervised: Iterable[int]) -> list[int]:
    """The offices whose log records a change of a user: the user's own (or,
    for a user without one, where the administrator acted), and every office
    that the change gave a supervisor or took one from."""
    return sorted({office_id, *supervised})


def create_user(
    session: Session,
    context_office_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> User:
    """A new user; ``context_office_id`` is the office whose log records it
    (an administrator of every office has none of their own)."""
    refuse_unknown_fields(
        fields, ("username", "password", "role", "office_id", "office_ids", "display_name")
    )
    role, office_id = _role_and_office(session, fields.get("role"), fields.get("office_id"))
    supervised = _supervised(session, role, fields.get("office_ids"))
    user = accounts.create_user(
        session,
        check_text(fields.get("username"), "username", limit=80, required=True),
        str(fields.get("password") or ""),
        role,
        now,
        office_id=office_id,
        display_name=check_text(fields.get("display_name"), "display_name"),
    )
    details: dict[str, Any] = {
        "user_id": user.id,
        "username": user.username,
        "role": role,
        "user_office_id": office_id,
    }
    if role != ROLE_SUPERVISOR:
        record(session, office_id or context_office_id, "user_created", now, actor, **details)
        return user
    _assign_offices(session, user.id, supervised)
    for each in _logging_offices(context_office_id, supervised):
        record(session, each, "user_created", now, actor, **details, office_ids=supervised)
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user", "user_not_found")
    return user


def _is_self(actor: Actor, user: User) -> bool:
    return actor.label == f"user:{user.id}"


def update_user(
    session: Session,
    context_office_id: int,
    user_id: int,
    fields: Mapping[str, Any],
    now: datetime,
    actor: Actor,
) -> User:
    refuse_unknown_fields(fields, ("role", "office_id", "office_ids", "display_name", "is_active"))
    user = _user(session, user_id)
    before = sorted(accounts.assigned_offices(session, user.id))
    supervised = before
    values: dict[str, Any] = {}
    if "role" in fields or "office_id" in fields or "office_ids" in fields:
        role, office_id = _role_and_office(
            session, fields.get("role", user.role), fields.get("office_id", user.office_id)
        )
        values.update(role=role, office_id=office_id)
        # A supervisor keeps their offices unless new ones are given; any
        # other role oversees none.
        kept = before if role == ROLE_SUPERVISOR else []
        supervised = _supervised(session, role, fields.get("office_ids", kept))
    if "display_name" in fields:
        values["display_name"] = check_text(fields["display_name"], "display_name") or user.username
    if "is_active" in fields:
        values["is_active"] = check_flag(fields["is_active"], "is_active")
    if _is_self(actor, user) and (
        values.get("is_active") is False or values.get("role", user.role) != user.role
    ):
        raise WrongState("you cannot deactivate yourself or change your own role", "own_account")
    changes = apply_changes(user, values)
    if supervised != before:
        changes["office_ids"] = [before, supervised]
        _assign_offices(session, user.id, supervised)
    if changes:
        session.flush()
        kind = "user_updated"
        if set(changes) == {"is_active"}:
            kind = "user_activated" if user.is_active else "user_deactivated"
        gained_or_lost = set(before) ^ set(supervised)
        for each in _logging_offices(user.office_id or context_office_id, gained_or_lost):
            record(
                session,
                each,
                kind,
                now,
                actor,
                user_id=user.id,
                username=user.username,
                changes=jsonable(changes),
            )
    return user


def reset_password(
    session: Session,
    context_office_id: int,
    user_id: int,
    password: str,
    now: datetime,
    actor: Actor,
) -> User:
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {accounts.MIN_PASSWORD_LENGTH} characters",
            "password_too_short",
        )
    user = _user(session, user_id)
    user.password_hash = generate_password_hash(password)
    session.flush()
    # The log says that it changed, never what it became.
    record(
        session,
        user.office_id or context_office_id,
        "password_reset",
        now,
        actor,
        user_id=user.id,
        username=user.username,
    )
    return user


def create_token(
    session: Session,
    context_office_id: int,
    name: str,
    role: str,
    office_id: int | None,
    now: datetime,
    actor: Actor,
) -> tuple[ApiToken, str]:
    """A new API token and the token itself, to be shown once."""
    name = check_text(name, "name", required=True)
    accounts.check_token_role(role)
    if office_id is not None:
        get_office(session, office_id)
    row, token = accounts.create_token(session, name, role, now, office_id=office_id)
    record(
        session,
        office_id or context_office_id,
        "token_created",
        now,
        actor,
        token_id=row.id,
        name=name,
        role=role,
        token_office_id=office_id,
    )
    return row, token


def revoke_token(
    session: Session, context_office_id: int, token_id: int, now: datetime, actor: Actor
) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token", "token_not_found")
    if row.revoked_at is not None:
        raise WrongState("this token is already revoked", "already_revoked")
    accounts.revoke_token(session, token_id, now)
    session.flush()
    record(
        session,
        row.office_id or context_office_id,
        "token_revoked",
        now,
        actor,
        token_id=row.id,
        name=row.name,
    )
    return row
