"""Wait- and service-time reports computed from ticket legs.

Each leg keeps its durations as whole milliseconds (:mod:`.legs`); closed
days are packed as columns (:mod:`.packs`); a report reads its legs once
(:mod:`.facts`) and derives every figure (:mod:`.figures`) of every table
(:mod:`.tables`) from them, so the summary, the tables by day, hour,
service, counter and clerk, the API and the exports all agree to the last
digit. Legs closed by the day end are left out of every time figure and
counted on their own. Raw rows go out through :mod:`.exports`.

- :mod:`.filters`: which legs and days a report counts;
- :mod:`.sql`: the arithmetic the database does (the office's local hour);
- :mod:`.legs`: what a leg keeps for the reports, kept on every change;
- :mod:`.facts`: the legs as columns, read live;
- :mod:`.packs`: closed days packed, and which days need packing;
- :mod:`.reading`: a range of days' legs, from packs where sound, else live;
- :mod:`.figures`: counts, durations, level and satisfaction per group;
- :mod:`.tables`: the report's tables and the offices side by side;
- :mod:`.exports`: one row per leg or per event, as CSV.
"""

from __future__ import annotations

from .exports import (
    CSV_COLUMNS,
    EVENT_COLUMNS,
    csv_text,
    event_rows,
    events_csv,
    local_day_bounds,
    safe_cell,
    ticket_rows,
    tickets_csv,
)
from .facts import Facts
from .figures import Grouping, figures, grouped
from .filters import (
    ANY_PRIORITY,
    MAX_REPORT_DAYS,
    NO_FILTER,
    ReportFilter,
    check_report_range,
    report_day,
    report_range,
)
from .reading import load_facts
from .tables import (
    COMPARED,
    bookings,
    by_channel,
    by_clerk,
    by_counter,
    by_day,
    by_hour,
    by_service,
    compare_offices,
    full_report,
    heatmap,
    hourly,
    previous_period,
    satisfaction,
    service_timing,
    summary,
)

__all__ = [
    "ANY_PRIORITY",
    "COMPARED",
    "CSV_COLUMNS",
    "EVENT_COLUMNS",
    "MAX_REPORT_DAYS",
    "NO_FILTER",
    "Facts",
    "Grouping",
    "ReportFilter",
    "bookings",
    "by_channel",
    "by_clerk",
    "by_counter",
    "by_day",
    "by_hour",
    "by_service",
    "check_report_range",
    "compare_offices",
    "csv_text",
    "event_rows",
    "events_csv",
    "figures",
    "full_report",
    "grouped",
    "heatmap",
    "hourly",
    "load_facts",
    "local_day_bounds",
    "previous_period",
    "report_day",
    "report_range",
    "safe_cell",
    "satisfaction",
    "service_timing",
    "summary",
    "ticket_rows",
    "tickets_csv",
]
