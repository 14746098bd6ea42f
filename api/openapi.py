"""The OpenAPI 3.1 document of API v1, served at ``/api/v1/openapi.json``.

Its schemas are plain JSON Schema, so the tests validate real responses
against them, and a test fails when a route of the app is missing here or a
path here has no route.
"""

from __future__ import annotations

from typing import Any

from queueing.models import (
    CHANNELS,
    COUNTER_STATES,
    OUTCOMES,
    PRIORITY_CATEGORIES,
    PRIORITY_NONE,
    TICKET_STATES,
)
from queueing.operations import RATING_REASONS

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _duration_figures() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["count", "mean", "median", "p90", "max"],
        "properties": {
            "count": {"type": "integer"},
            "mean": NULLABLE_NUMBER,
            "median": NULLABLE_NUMBER,
            "p90": NULLABLE_NUMBER,
            "max": NULLABLE_NUMBER,
        },
    }


def _figures(
    extra: dict[str, Any] | None = None, required: list[str] | None = None
) -> dict[str, Any]:
    properties = {
        "issued": {"type": "integer"},
        "legs": {"type": "integer"},
        "served": {"type": "integer"},
        "no_show": {"type": "integer"},
        "cancelled": {"type": "integer"},
        "transferred": {"type": "integer"},
        "inaccurate": {"type": "integer", "description": "legs closed by the day end"},
        "wait_s": ref("DurationFigures"),
        "walk_s": ref("DurationFigures"),
        "service_s": ref("DurationFigures"),
        "service_level": {**NULLABLE_NUMBER, "description": "share (0..1) called within target"},
        "rating_count": {"type": "integer"},
        "rating_mean": NULLABLE_NUMBER,
        "rating_distribution": {"type": "object", "additionalProperties": {"type": "integer"}},
        **(extra or {}),
    }
    return {
        "type": "object",
        "required": [
            "issued",
            "served",
            "no_show",
            "wait_s",
            "service_s",
            "service_level",
            "rating_mean",
            *(required or []),
        ],
        "properties": properties,
    }


#: The figures of an office in a comparison (queueing.reports.COMPARED).
COMPARED_FIGURES = {
    "issued": "tickets issued",
    "served": "legs served",
    "no_show": "legs marked no-show",
    "no_show_rate": "no-shows per ticket issued (0..1)",
    "wait_mean_s": "mean wait, seconds",
    "wait_p90_s": "90th percentile of the wait, seconds",
    "service_level": "share (0..1) called within target",
    "rating_count": "ratings given",
    "rating_mean": "mean score, 1..5",
    "low_score_share": "share (0..1) of ratings of 3 or less",
}


def _compared_figures() -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(COMPARED_FIGURES),
        "properties": {
            name: {**NULLABLE_NUMBER, "description": description}
            for name, description in COMPARED_FIGURES.items()
        },
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
    "Ticket": {
        "type": "object",
        "required": [
            "id",
            "code",
            "number",
            "service",
            "office",
            "state",
            "channel",
            "issued_at",
            "called_at",
            "started_at",
            "finished_at",
            "call_count",
            "counter",
            "position",
            "estimated_wait_s",
        ],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "description": "as printed, e.g. A012"},
            "number": {"type": "integer"},
            "service": {"type": "string", "description": "service code"},
            "service_name": {"type": "string"},
            "service_name_en": {"type": "string"},
            "office": {"type": "string", "description": "office code"},
            "office_name": {"type": "string"},
            "office_name_en": {"type": "string"},
            "state": {"enum": list(TICKET_STATES)},
            "priority": {
                "enum": [PRIORITY_NONE, *PRIORITY_CATEGORIES],
                "description": "only for the holder and staff",
            },
            "channel": {"enum": list(CHANNELS)},
            "issued_at": {"type": "string", "format": "date-time"},
            "called_at": {**NULLABLE_TIME, "description": "first call"},
            "last_called_at": NULLABLE_TIME,
            "started_at": NULLABLE_TIME,
            "finished_at": NULLABLE_TIME,
            "call_count": {"type": "integer"},
            "counter": {**NULLABLE_INTEGER, "description": "counter id"},
            "counter_number": NULLABLE_INTEGER,
            "outcome": {"enum": [*OUTCOMES, None]},
            "parent_id": {
                **NULLABLE_INTEGER,
                "description": "the leg this one was transferred from",
            },
            "position": {
                **NULLABLE_INTEGER,
                "description": "while waiting: the people who will be called before this "
                "ticket at the counters open now that can call it, across every service "
                "sharing them; else null",
            },
            "estimated_wait_s": {
                **NULLABLE_NUMBER,
                "description": "while waiting: seconds until its call is expected, from the "
                "open counters calling in order at their service times; null when no open "
                "counter can call it (or when not waiting)",
            },
            "is_time_accurate": {"type": "boolean"},
            "status_url": {
                "type": "string",
                "description": "the citizen's live page, carrying the holder's token; "
                "only for the holder and staff",
            },
            "access_token": {
                "type": ["string", "null"],
                "description": "the holder's secret; only for the holder and staff",
            },
            "printed": {"type": "boolean"},
            "print_error": {"type": "string"},
        },
    },
    "Service": {
        "type": "object",
        "required": ["code", "name", "prefix", "waiting", "estimated_wait_s"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "name_en": {"type": "string"},
            "prefix": {"type": "string"},
            "group": {"type": "string"},
            "group_en": {"type": "string"},
            "waiting": {"type": "integer"},
            "people_ahead": {
                "type": "integer",
                "description": "people who would be called before a ticket taken now",
            },
            "estimated_wait_s": {
                **NULLABLE_NUMBER,
                "description": "seconds a ticket taken now would wait for its call; null "
                "when no open counter serves the service",
            },
            "open_counters": {
                "type": "integer",
                "description": "counters open (someone works them) that serve the service",
            },
            "target_wait_s": {"type": "integer"},
            "is_issuing": {"type": "boolean"},
            "closed_reason": {
                **NULLABLE_STRING,
                "description": "why no ticket is issued now: holiday, office_closed, "
                "outside_issuing_hours, service_inactive, no_open_counter, "
                "daily_cap_reached, numbers_exhausted",
            },
        },
    },
    "Counter": {
        "type": "object",
        "required": ["id", "number", "name", "state", "services", "current_ticket"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "name": {"type": "string"},
            "state": {"enum": list(COUNTER_STATES)},
            "pause_reason": {"type": "string"},
            "services": {"type": "array", "items": {"type": "string"}},
            "current_ticket": {"anyOf": [ref("Ticket"), {"type": "null"}]},
        },
    },
    "RecentCall": {
        "type": "object",
        "required": ["code", "service", "counter", "counter_number", "called_at", "call_count"],
        "properties": {
            "code": {"type": "string"},
            "service": {"type": "string"},
            "counter": {"type": "integer"},
            "counter_number": {"type": "integer"},
            "called_at": {"type": "string", "format": "date-time"},
            "call_count": {"type": "integer"},
        },
    },
    "QueueState": {
        "type": "object",
        "required": ["services", "counters", "recent_calls"],
        "properties": {
            "office": {"type": "object"},
            "services": {"type": "array", "items": ref("Service")},
            "counters": {"type": "array", "items": ref("Counter")},
            "recent_calls": {"type": "array", "items": ref("RecentCall")},
            "ticker": {"type": "string"},
            "generated_at": {"type": "string", "format": "date-time"},
        },
    },
    "CounterActionResult": {
        "type": "object",
        "required": ["ticket"],
        "properties": {
            "ticket": {"anyOf": [ref("Ticket"), {"type": "null"}]},
            "counter": ref("Counter"),
        },
    },
    "TicketActionResult": {
        "type": "object",
        "required": ["ticket"],
        "properties": {"ticket": ref("Ticket")},
    },
    "RatingResult": {
        "type": "object",
        "required": ["rating", "ticket"],
        "properties": {
            "rating": {
                "type": "object",
                "required": ["ticket", "score"],
                "properties": {
                    "ticket": {"type": "integer"},
                    "score": {"type": "integer", "minimum": 1, "maximum": 5},
                    "reasons": {"type": "array", "items": {"enum": list(RATING_REASONS)}},
                    "comment": {"type": "string"},
                },
            },
            "ticket": ref("Ticket"),
        },
    },
    "DurationFigures": _duration_figures(),
    "Summary": _figures(
        {
            "office": {"type": "string"},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "by_service": {"type": "array", "items": _figures({"service": {"type": "string"}})},
            "by_counter": {"type": "array", "items": _figures({"counter": {"type": "integer"}})},
            "by_clerk": {"type": "array", "items": _figures({"clerk": {"type": "integer"}})},
            "by_hour": {"type": "array", "items": _figures({"hour": {"type": "integer"}})},
        },
        ["by_service", "by_counter", "by_clerk", "by_hour"],
    ),
    "ComparedFigures": _compared_figures(),
    "OfficeComparison": {
        "type": "object",
        "required": ["from", "to", "previous", "offices"],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "previous": {
                "type": "object",
                "description": "the period of the same length just before",
                "required": ["from", "to"],
                "properties": {
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"},
                },
            },
            "offices": {
                "type": "array",
                "items": {
                    "allOf": [
                        ref("ComparedFigures"),
                        {
                            "type": "object",
                            "required": ["office", "name", "previous", "trend"],
                            "properties": {
                                "office": {"type": "string", "description": "office code"},
                                "name": {"type": "string"},
                                "previous": ref("ComparedFigures"),
                                "trend": {
                                    **ref("ComparedFigures"),
                                    "description": "each figure minus the previous period's; "
                                    "null where either is unknown",
                                },
                            },
                        },
                    ]
                },
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    "400": "Malformed request",
    "401": "No or bad credentials",
    "403": "Not allowed",
    "404": "Unknown",
    "409": "Not allowed in the current state",
    "422": "Well-formed but invalid",
    "429": "Rate limited",
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json(ref("Error"), ERROR_DESCRIPTIONS[str(code)]) for code in codes}


def _body(schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


OFFICE_QUERY = {
    "name": "office",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "office code; may be omitted where the installation has one office",
}
DATE_QUERIES = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "date"},
        "description": "a day in the office's timezone (YYYY-MM-DD); defaults to today",
    }
    for name in ("from", "to")
]
COUNTER_ID = {"name": "counter_id", "in": "path", "required": True, "schema": {"type": "integer"}}
TICKET_ID = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
HOLDER_TOKEN_QUERY = {
    "name": "token",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "the holder's token (access_token of the issuing answer)",
}
CLERK = [{"bearer": []}, {"session": []}]
MANAGER = CLERK
#: A supervisor signs in (a session); an administrator may use a token too.
SUPERVISOR = CLERK

EMPTY_BODY = {"type": "object"}


def _counter_action(summary: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["counters"],
        "security": CLERK,
        "parameters": [COUNTER_ID],
        "responses": {
            "200": _json(ref("CounterActionResult"), "The ticket (and the counter)"),
            **_errors(400, 401, 403, 404, 409, 422),
        },
    }
    operation["requestBody"] = _body(body or EMPTY_BODY)
    return {"post": operation}


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document")},
            }
        },
        "/api/v1/services": {
            "get": {
                "summary": "Services with waiting counts",
                "tags": ["queue"],
                "security": [],
                "parameters": [OFFICE_QUERY],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["services"],
                            "properties": {"services": {"type": "array", "items": ref("Service")}},
                        },
                        "Services",
                    ),
                    **_errors(404, 422),
                },
            }
        },
        "/api/v1/tickets": {
            "post": {
                "summary": "Issue a ticket",
                "description": (
                    "Public and rate limited per client address (not with a token). An "
                    "Idempotency-Key header makes a retry return the same ticket, with 200. "
                    'With "print": true the ticket is also printed; a printer fault never '
                    'stops the ticket ("printed": false with "print_error"). A retry prints '
                    "again only if the first print failed."
                ),
                "tags": ["tickets"],
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    }
                ],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["service"],
                        "properties": {
                            "service": {"type": "string", "description": "service code"},
                            "priority": {
                                "enum": [PRIORITY_NONE, *PRIORITY_CATEGORIES],
                                "description": "only for the holder and staff",
                            },
                            "channel": {"enum": list(CHANNELS)},
                            "office": {"type": "string"},
                            "print": {"type": "boolean"},
                            "language": {
                                "enum": ["vi", "en"],
                                "description": "language of the printed ticket",
                            },
                            "kiosk": {"type": "integer", "minimum": 1},
                        },
                    },
                    required=True,
                ),
                "responses": {
                    "201": _json(ref("Ticket"), "The new ticket"),
                    "200": _json(
                        ref("Ticket"), "The ticket issued earlier with this Idempotency-Key"
                    ),
                    **_errors(400, 401, 403, 404, 409, 422, 429),
                },
            }
        },
        "/api/v1/tickets/{ticket_id}": {
            "get": {
                "summary": "A ticket, for its holder (the token) or the office's staff",
                "description": (
                    "Without the holder's token or staff credentials of the ticket's office "
                    "the ticket is unknown (404): ids are not a way in."
                ),
                "tags": ["tickets"],
                "security": [{}, *CLERK],
                "parameters": [TICKET_ID, HOLDER_TOKEN_QUERY],
                "responses": {"200": _json(ref("Ticket"), "The ticket"), **_errors(404)},
            }
        },
        "/api/v1/tickets/{ticket_id}/return": {
            "post": {
                "summary": "A no-show (within the return window) or parked ticket waits again",
                "tags": ["tickets"],
                "security": CLERK,
                "parameters": [TICKET_ID],
                "requestBody": _body(EMPTY_BODY),
                "responses": {
                    "200": _json(ref("TicketActionResult"), "The ticket, waiting"),
                    **_errors(400, 401, 403, 404, 409),
                },
            }
        },
        "/api/v1/tickets/{ticket_id}/cancel": {
            "post": {
                "summary": "Cancel a waiting, parked or no-show ticket",
                "tags": ["tickets"],
                "security": CLERK,
                "parameters": [TICKET_ID],
                "requestBody": _body(EMPTY_BODY),
                "responses": {
                    "200": _json(ref("TicketActionResult"), "The ticket, cancelled"),
                    **_errors(400, 401, 403, 404, 409),
                },
            }
        },
        "/api/v1/tickets/{ticket_id}/print": {
            "post": {
                "summary": "Print a ticket again",
                "description": (
                    'On the printer of "kiosk" when given, else the office\'s default '
                    "printer. A printer fault is not an error: the ticket comes back with "
                    '"printed": false and "print_error". Every attempt is logged.'
                ),
                "tags": ["tickets"],
                "security": CLERK,
                "parameters": [TICKET_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "kiosk": {"type": "integer", "minimum": 1},
                            "language": {
                                "enum": ["vi", "en"],
                                "description": "language of the printed ticket",
                            },
                        },
                    }
                ),
                "responses": {
                    "200": _json(ref("Ticket"), 'The ticket, with "printed" (and "print_error")'),
                    **_errors(400, 401, 403, 404, 422),
                },
            }
        },
        "/api/v1/tickets/{ticket_id}/rating": {
            "post": {
                "summary": "Rate a finished ticket (once)",
                "description": (
                    "By its holder (the token in the body) or by staff of the ticket's office "
                    "(the counter's rating tablet); anyone else gets 404 and nothing is stored."
                ),
                "tags": ["tickets"],
                "security": [{}, *CLERK],
                "parameters": [TICKET_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["score"],
                        "properties": {
                            "score": {"type": "integer", "minimum": 1, "maximum": 5},
                            "token": {"type": "string", "description": "the holder's token"},
                            "comment": {"type": "string", "maxLength": 1000},
                            "reasons": {"type": "array", "items": {"enum": list(RATING_REASONS)}},
                        },
                    },
                    required=True,
                ),
                "responses": {
                    "201": _json(ref("RatingResult"), "The stored rating"),
                    **_errors(400, 404, 409, 422),
                },
            }
        },
        "/api/v1/counters": {
            "get": {
                "summary": "Counters",
                "tags": ["counters"],
                "security": [],
                "parameters": [OFFICE_QUERY],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["counters"],
                            "properties": {"counters": {"type": "array", "items": ref("Counter")}},
                        },
                        "Counters",
                    ),
                    **_errors(404, 422),
                },
            }
        },
        "/api/v1/counters/{counter_id}/call-next": _counter_action(
            'Call the next ticket; {"ticket": null} when nobody waits'
        ),
        "/api/v1/counters/{counter_id}/recall": _counter_action("Call the current ticket again"),
        "/api/v1/counters/{counter_id}/start": _counter_action("Current ticket → serving"),
        "/api/v1/counters/{counter_id}/finish": _counter_action(
            "Current ticket → done",
            {"type": "object", "properties": {"outcome": {"enum": list(OUTCOMES)}}},
        ),
        "/api/v1/counters/{counter_id}/no-show": _counter_action("Current ticket → no_show"),
        "/api/v1/counters/{counter_id}/park": _counter_action(
            "Current ticket → parked; the counter is free"
        ),
        "/api/v1/counters/{counter_id}/call/{ticket_id}": {
            "post": {
                **_counter_action("Call a chosen waiting or parked ticket")["post"],
                "parameters": [COUNTER_ID, TICKET_ID],
            }
        },
        "/api/v1/counters/{counter_id}/transfer": _counter_action(
            "Current ticket → transferred; a new leg with the same code waits in the target queue",
            {
                "type": "object",
                "properties": {
                    "service": {"type": "string", "description": "target service code"},
                    "counter": {"type": "integer", "description": "target counter id"},
                },
            },
        ),
        "/api/v1/counters/{counter_id}/open": _counter_action("Open the counter"),
        "/api/v1/counters/{counter_id}/pause": _counter_action(
            "Pause the counter",
            {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 200}}},
        ),
        "/api/v1/counters/{counter_id}/close": _counter_action("Close the counter"),
        "/api/v1/queue": {
            "get": {
                "summary": "Services, counters and recent calls",
                "tags": ["queue"],
                "security": [],
                "parameters": [OFFICE_QUERY],
                "responses": {"200": _json(ref("QueueState"), "The queue"), **_errors(404, 422)},
            }
        },
        "/api/v1/reports/summary": {
            "get": {
                "summary": "Wait, service and satisfaction figures over a date range",
                "tags": ["reports"],
                "security": MANAGER,
                "parameters": [OFFICE_QUERY, *DATE_QUERIES],
                "responses": {
                    "200": _json(ref("Summary"), "The figures"),
                    **_errors(400, 401, 403, 404, 422),
                },
            }
        },
        "/api/v1/reports/offices": {
            "get": {
                "summary": "Offices side by side: each one's figures, the previous period's "
                "and the change",
                "description": "For supervisors (their assigned offices) and administrators "
                "(every office they work in; an administrator's token too). Clerks and "
                "managers get 403; naming an office that is not the caller's, 403 "
                "other_office. Offices come in the order named, else by code.",
                "tags": ["reports"],
                "security": SUPERVISOR,
                "parameters": [
                    {
                        "name": "offices",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "office codes, comma-separated; default: every office "
                        "of the caller",
                    },
                    {
                        "name": "from",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "format": "date"},
                        "description": "first day (YYYY-MM-DD), included; defaults to 29 days "
                        "before to",
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "format": "date"},
                        "description": "last day (YYYY-MM-DD), included; defaults to today in "
                        "the offices' timezone",
                    },
                ],
                "responses": {
                    "200": _json(ref("OfficeComparison"), "The offices' figures"),
                    **_errors(400, 401, 403, 404, 422),
                },
            }
        },
        "/api/v1/reports/tickets.csv": {
            "get": {
                "summary": "One row per ticket leg with every timestamp and duration",
                "tags": ["reports"],
                "security": MANAGER,
                "parameters": [OFFICE_QUERY, *DATE_QUERIES],
                "responses": {
                    "200": {
                        "description": "CSV, UTF-8 without a byte order mark",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **_errors(400, 401, 403, 404, 422),
                },
            }
        },
    }


def _with_text_errors(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer 422 ``invalid_text`` (a NUL or a lone
    surrogate anywhere in the request is refused before it runs), and every
    one with a body 400 (not JSON, or nested too deep): web/payloads.py."""
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("422", _errors(422)["422"])
            if "requestBody" in operation:
                # Malformed or too deeply nested JSON.
                operation["responses"].setdefault("400", _errors(400)["400"])
    return paths


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Luot API",
            "version": "1",
            "description": (
                "Queue ticketing for one-stop offices. JSON in and out, UTF-8; times are "
                "ISO 8601 with offset; durations are seconds. Errors: 4xx with "
                '{"error": {"code", "message"}}.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": _with_text_errors({**_paths(), **_booking_paths()}),
        "components": {
            "schemas": {**SCHEMAS, **BOOKING_SCHEMAS},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


# -- booking ahead -----------------------------------------------------------------

_INSTANT = {"type": "string", "format": "date-time"}
BOOKING_SCHEMAS: dict[str, Any] = {
    "Slot": {
        "type": "object",
        "required": ["start", "end", "capacity", "booked", "available"],
        "properties": {
            "start": _INSTANT,
            "end": _INSTANT,
            "capacity": {"type": "integer", "minimum": 0},
            "booked": {"type": "integer", "minimum": 0},
            "available": {
                "type": "integer",
                "minimum": 0,
                "description": "places that may be booked now (none once the slot has begun)",
            },
        },
    },
    "Slots": {
        "type": "object",
        "required": ["service", "date", "slots"],
        "properties": {
            "service": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "slots": {"type": "array", "items": ref("Slot")},
        },
    },
    "Appointment": {
        "type": "object",
        "required": [
            "id",
            "code",
            "service",
            "office",
            "start",
            "end",
            "state",
            "ticket",
            "access_token",
            "status_url",
            "name",
            "phone",
        ],
        "properties": {
            "id": {"type": "integer"},
            "code": {
                "type": "string",
                "minLength": 6,
                "description": "the booking code: typed or scanned at the kiosk",
            },
            "service": {"type": "string"},
            "office": {"type": "string"},
            "start": _INSTANT,
            "end": _INSTANT,
            "state": {"enum": ["booked", "checked_in", "cancelled", "missed"]},
            "ticket": {"anyOf": [ref("Ticket"), {"type": "null"}]},
            "access_token": {"type": "string", "minLength": 16},
            "status_url": {"type": "string"},
            "name": {"type": "string"},
            "phone": {"type": "string"},
        },
    },
    "CheckIn": {
        "type": "object",
        "required": ["appointment", "ticket"],
        "properties": {"appointment": ref("Appointment"), "ticket": ref("Ticket")},
    },
}
BOOKING_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}


def _booking_paths() -> dict[str, Any]:
    appointment = _json(ref("Appointment"), "The appointment")
    return {
        "/api/v1/services/{code}/slots": {
            "get": {
                "summary": "A service's slots of a day, with their room",
                "tags": ["booking"],
                "security": [],
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "date",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "format": "date"},
                        "description": "a day in the office's timezone; defaults to today",
                    },
                    OFFICE_QUERY,
                ],
                "responses": {"200": _json(ref("Slots"), "The slots"), **_errors(400, 404)},
            }
        },
        "/api/v1/appointments": {
            "post": {
                "summary": "Book a slot",
                "description": (
                    "Public and rate limited per client address (not with a token). An "
                    "Idempotency-Key header makes a retry return the same booking, with 200. "
                    "409 slot_full when the slot has no room, phone_has_booking when the "
                    "phone number holds a booking for the service that day (where the "
                    "office allows one); 422 not_a_slot, slot_past, beyond_horizon."
                ),
                "tags": ["booking"],
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    }
                ],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["service", "start"],
                        "properties": {
                            "service": {"type": "string"},
                            "start": {**_INSTANT, "description": "a slot's start, with offset"},
                            "name": {"type": "string", "maxLength": 100},
                            "phone": {"type": "string", "maxLength": 32},
                            "office": {"type": "string"},
                        },
                    },
                    required=True,
                ),
                "responses": {
                    "201": appointment,
                    "200": _json(ref("Appointment"), "The booking made earlier with this key"),
                    **_errors(400, 404, 409, 422, 429),
                },
            }
        },
        "/api/v1/appointments/{code}": {
            "get": {
                "summary": "A booking, for its holder (the token) or the office's staff",
                "tags": ["booking"],
                "security": [{}, *CLERK],
                "parameters": [BOOKING_CODE, HOLDER_TOKEN_QUERY],
                "responses": {"200": appointment, **_errors(404)},
            }
        },
        "/api/v1/appointments/{code}/cancel": {
            "post": {
                "summary": "Cancel a booking (its holder or the office's staff)",
                "tags": ["booking"],
                "security": [{}, *CLERK],
                "parameters": [BOOKING_CODE],
                "requestBody": _body(
                    {"type": "object", "properties": {"token": {"type": "string"}}}
                ),
                "responses": {"200": appointment, **_errors(404, 409)},
            }
        },
        "/api/v1/appointments/{code}/check-in": {
            "post": {
                "summary": "Check a booking in: it becomes a ticket of channel booking",
                "description": (
                    "Public: the code is the secret. From the office's early window before "
                    "the slot's start until its late window after it (409 too_early, "
                    "too_late); a second check-in is 409 already_checked_in."
                ),
                "tags": ["booking"],
                "security": [{}, *CLERK],
                "parameters": [BOOKING_CODE],
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "print": {"type": "boolean"},
                            "kiosk": {"type": "integer", "minimum": 1},
                            "language": {"enum": ["vi", "en"]},
                        },
                    }
                ),
                "responses": {
                    "201": _json(ref("CheckIn"), "The booking and its ticket"),
                    **_errors(400, 404, 409),
                },
            }
        },
    }
