"""Who may open the manager's and administrator's pages, and for which office.

Pages send an anonymous browser to the login page; their JSON views answer
401 with the API's error body. A role below the one needed gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, jsonify, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from queueing.errors import NotAllowed, NotAuthenticated, NotFound, QueueError
from queueing.models import Office
from web.access import Principal, current_principal, resolve_office, visible_offices

View = TypeVar("View", bound=Callable[..., Any])


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
            g.manager_principal = principal
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
                g.manager_principal = principal
                return view(*args, **kwargs)
            except QueueError as error:
                return jsonify({"error": error.as_dict()}), error.status

        return cast(View, wrapped)

    return decorator


def principal() -> Principal:
    found: Principal = g.manager_principal
    return found


def offices_for(session: Session, who: Principal) -> list[Office]:
    """The offices a user may look at: their own, a supervisor's, or every one."""
    return visible_offices(session, who)


def chosen_office(session: Session, who: Principal) -> Office:
    """The office of ``?office=CODE``, else the user's own, else the first
    they may look at (a supervisor chooses among theirs)."""
    code = request.args.get("office") or request.form.get("office_code") or None
    if code is not None or who.office_id is not None:
        return resolve_office(session, code, who)
    offices = offices_for(session, who)
    if not offices:
        raise NotFound("there is no office yet", "office_not_found")
    return offices[0]
