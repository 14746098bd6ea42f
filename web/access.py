"""Who is asking: API tokens, logged-in users, and what their role allows;
and the guards of every area's staff pages and JSON views.

Pages send an anonymous browser to the login page; their JSON views answer
401 with the API's error body. A role below the one needed gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, jsonify, redirect, request, url_for
from flask_login import UserMixin, current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError
from wtforms import ValidationError

from queueing import accounts
from queueing.errors import Invalid, NotAllowed, NotAuthenticated, NotFound, QueueError
from queueing.models import ApiToken, Office, User
from queueing.operations import Actor

from .context import database
from .extensions import login_manager

View = TypeVar("View", bound=Callable[..., Any])

#: Session key of a browser registered as a kiosk (see kiosk.routes).
REGISTERED_KIOSK_KEY = "luot_kiosk_id"


def registered_kiosk_id() -> int | None:
    """The kiosk this browser was registered as, if any."""
    from flask import session

    value = session.get(REGISTERED_KIOSK_KEY)
    return value if isinstance(value, int) else None


@dataclass(frozen=True, slots=True)
class Principal:
    """A logged-in user or an API token, with its role and office."""

    kind: str
    id: int
    role: str
    #: None for an installation-wide user or token, and for a supervisor.
    office_id: int | None
    name: str
    #: The offices a supervisor oversees; None for everyone else.
    office_ids: frozenset[int] | None = None

    @property
    def actor(self) -> Actor:
        return Actor(f"{self.kind}:{self.id}", clerk_id=self.id if self.kind == "user" else None)

    @property
    def is_installation_wide(self) -> bool:
        """Whether this works in every office (never a supervisor)."""
        return self.office_id is None and self.office_ids is None

    def allows(self, role: str) -> bool:
        return accounts.role_allows(self.role, role)

    def works_in(self, office_id: int) -> bool:
        """Whether this is the office's: its own office, a supervisor's
        assigned ones, or every office for an installation-wide one."""
        if self.office_ids is not None:
            return office_id in self.office_ids
        return self.office_id in (None, office_id)


def user_principal(session: Session, user: User, name: str | None = None) -> Principal:
    """The principal of a user as it stands in the database."""
    return Principal(
        "user",
        user.id,
        user.role,
        user.office_id,
        name or user.display_name or user.username,
        accounts.office_scope(session, user),
    )


class LoginUser(UserMixin):
    """The session's user as Flask-Login holds it, loaded once per request
    (a supervisor's offices with it: one small query)."""

    def __init__(self, user: User, office_ids: frozenset[int] | None = None) -> None:
        self.id = user.id
        self.username = user.username
        self.role = user.role
        self.office_id = user.office_id
        self.office_ids = office_ids
        self.display_name = user.display_name or user.username

    def principal(self) -> Principal:
        return Principal(
            "user", self.id, self.role, self.office_id, self.display_name, self.office_ids
        )


@login_manager.user_loader
def load_user(user_id: str) -> LoginUser | None:
    if not user_id.isdigit():
        return None
    with database().read() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.is_active:
            return None
        return LoginUser(user, accounts.office_scope(session, user))


def current_principal() -> Principal | None:
    """The token of the Authorization header, else the logged-in user.

    A request that sends a bad token is refused even when a session exists,
    so an integration's misconfiguration shows at once.
    """
    if "luot_principal" in g:
        principal: Principal | None = g.luot_principal
        return principal
    principal = None
    header = request.headers.get("Authorization")
    if header is not None:
        principal = principal_for_token(_bearer(header))
    elif current_user.is_authenticated:
        principal = current_user.principal()
    g.luot_principal = principal
    return principal


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("use 'Authorization: Bearer TOKEN'", "bad_authorization")
    return token.strip()


#: The counter a logged-in clerk chose on the terminal (kept in the browser
#: session): that terminal acts at that counter only, over REST and Socket.IO.
CHOSEN_COUNTER_KEY = "counter_id"


def still_allowed(principal: Principal) -> Principal:
    """The principal as it stands now: a connection opened earlier keeps
    no right its token or user has lost since (revoked, deactivated, or a
    role or office changed). Raises ``bad_token`` when it is gone."""
    with database().read() as session:
        if principal.kind == "token":
            row = session.get(ApiToken, principal.id)
            if row is None or row.revoked_at is not None:
                raise NotAuthenticated("the token was revoked", "bad_token")
            return Principal("token", row.id, row.role, row.office_id, row.name)
        user = session.get(User, principal.id)
        if user is None or not user.is_active:
            raise NotAuthenticated("this account is no longer active", "bad_token")
        return user_principal(session, user, principal.name)


def principal_for_token(token: str) -> Principal:
    with database().read() as session:
        row = accounts.find_token(session, token)
        if row is None:
            raise NotAuthenticated("the token is unknown or revoked", "bad_token")
        return Principal("token", row.id, row.role, row.office_id, row.name)


def require(role: str) -> Principal:
    principal = current_principal()
    if principal is None:
        raise NotAuthenticated("log in or send a token", "unauthorized")
    if not principal.allows(role):
        raise NotAllowed(f"this needs the {role} role", "forbidden")
    check_session_change(principal)
    return principal


def check_session_change(principal: Principal | None) -> None:
    """A logged-in browser's cookie goes with any site's request: a change
    made with it needs the page's CSRF token as well."""
    if principal is None or principal.kind != "user":
        return
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError:
        raise NotAllowed("the page's CSRF token is missing or stale", "csrf_failed") from None


#: Enough offices to tell whether there is exactly one.
_TWO_OFFICES = select(Office).limit(2)


def resolve_office(session: Session, code: str | None, principal: Principal | None) -> Office:
    """The office a request is about: named, the principal's, or the only one."""
    if code is not None:
        if not isinstance(code, str):
            raise Invalid("office must be an office code", "invalid_office")
        office = session.scalar(select(Office).where(Office.code == code))
        if office is None:
            raise NotFound(f"no office with code {code!r}", "office_not_found")
    elif principal is not None and principal.office_id is not None:
        office = session.get(Office, principal.office_id)
        assert office is not None
    elif principal is not None and principal.office_ids is not None:
        # A supervisor: their office when they oversee one, else they name it.
        if len(principal.office_ids) != 1:
            raise Invalid("name the office: you oversee several", "office_required")
        (only,) = principal.office_ids
        office = session.get(Office, only)
        assert office is not None
    else:
        offices = session.scalars(_TWO_OFFICES).all()
        office = offices[0] if len(offices) == 1 else None
        if office is None:
            raise Invalid("name the office: this installation has several", "office_required")
    check_office(principal, office.id)
    return office


def check_office(principal: Principal | None, office_id: int) -> None:
    if principal is not None and not principal.works_in(office_id):
        raise NotAllowed("this belongs to another office", "other_office")


def visible_offices(session: Session, principal: Principal) -> list[Office]:
    """The offices a principal works in, in the order they were created:
    its own, a supervisor's assigned ones, or every office."""
    statement = select(Office).order_by(Office.id)
    if principal.office_ids is not None:
        statement = statement.where(Office.id.in_(sorted(principal.office_ids)))
    elif principal.office_id is not None:
        statement = statement.where(Office.id == principal.office_id)
    return list(session.scalars(statement))


# -- staff pages -----------------------------------------------------------------------


def login_url() -> str:
    """The login page (the counter area's), back here afterwards."""
    back = request.full_path if request.query_string else request.path
    try:
        return url_for("counter.login", next=back)
    except BuildError:
        return "/login?next=" + back


def page(role: str) -> Callable[[View], View]:
    """An HTML page for ``role`` and above: anonymous visitors are sent to log
    in, lower roles get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal is None:
                return redirect(login_url())
            if not principal.allows(role):
                raise NotAllowed(f"this needs the {role} role", "forbidden")
            g.page_principal = principal
            return view(*args, **kwargs)

        return cast(View, wrapped)

    return decorator


def json_view(role: str) -> Callable[[View], View]:
    """A JSON view for ``role`` and above; errors always come back as JSON."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                principal = current_principal()
                if principal is None:
                    raise NotAuthenticated("log in or send a token", "unauthorized")
                if not principal.allows(role):
                    raise NotAllowed(f"this needs the {role} role", "forbidden")
                g.page_principal = principal
                return view(*args, **kwargs)
            except QueueError as error:
                return jsonify({"error": error.as_dict()}), error.status

        return cast(View, wrapped)

    return decorator


def principal() -> Principal:
    found: Principal = g.page_principal
    return found


def chosen_office(session: Session, who: Principal) -> Office:
    """The office of ``?office=CODE``, else the user's own, else the first
    they may look at (a supervisor chooses among theirs)."""
    code = request.args.get("office") or request.form.get("office_code") or None
    if code is not None or who.office_id is not None:
        return resolve_office(session, code, who)
    offices = visible_offices(session, who)
    if not offices:
        raise NotFound("there is no office yet", "office_not_found")
    return offices[0]
