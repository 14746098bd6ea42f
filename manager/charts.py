"""Charts drawn on the server as SVG: they work offline and need no script.

Each chart carries a <title> and a <desc> named by ``aria-labelledby``, and
writes its numbers as text beside the marks, so a screen reader and a
printout say what the bars show. Every text is escaped here: names of
services and clerks come from users.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = 13
INK = "#14213d"
MUTED = "#4a5568"
GRID = "#cbd5e1"
#: Series colours, each dark enough for white text and apart for colour-blind eyes.
PALETTE = ("#0b4f9c", "#b45309", "#1b6e3a", "#7b2d8e")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]


def _text(x: float, y: float, content: str, **attributes: str) -> str:
    extra = " ".join(
        f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items()
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(content)}</text>'


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG chart and its title; renders as the SVG in a template."""

    svg: Markup
    title: str

    def __html__(self) -> str:
        return str(self.svg)


def _frame(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Chart:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="Luot Sans, DejaVu Sans, sans-serif" font-size="{FONT}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )
    return Chart(Markup(head + "".join(body) + "</svg>"), title)


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def column_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_text: Callable[[float], str] = lambda value: f"{value:g}",
    *,
    width: int = 760,
    height: int = 280,
) -> Chart:
    """Vertical columns, one group per label and one colour per series."""
    left, right, top, bottom = 56, 12, 34, 46
    plot_width = width - left - right
    plot_height = height - top - bottom
    highest = max(
        (value for each in series for value in each.values if value is not None), default=0
    )
    ceiling = _nice_ceiling(float(highest))
    counts = all(
        float(value).is_integer() for each in series for value in each.values if value is not None
    )
    if counts and ceiling % 4:
        # Whole numbers get whole gridlines: four steps of a whole size.
        ceiling = float(4 * -(-int(ceiling) // 4))
    body = []
    for step in range(5):
        value = ceiling * step / 4
        y = top + plot_height - plot_height * step / 4
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, value_text(value), text_anchor="end", fill=MUTED))
    groups = max(len(labels), 1)
    slot = plot_width / groups
    bar = max(min(slot * 0.8 / max(len(series), 1), 40), 2)
    show_values = groups * len(series) <= 40
    label_every = max(1, int(groups / (plot_width / 44)) + 1)
    for index, label in enumerate(labels):
        x0 = left + slot * index + (slot - bar * len(series)) / 2
        for position, each in enumerate(series):
            value = each.values[index] if index < len(each.values) else None
            if value is None:
                continue
            bar_height = plot_height * float(value) / ceiling if ceiling else 0
            x = x0 + bar * position
            y = top + plot_height - bar_height
            colour = PALETTE[position % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" '
                f'height="{bar_height:.1f}" fill="{colour}">'
                f"<title>{escape(label)} – {escape(each.name)}: {escape(value_text(value))}</title>"
                "</rect>"
            )
            if show_values:
                body.append(
                    _text(
                        x + bar / 2,
                        y - 4,
                        value_text(value),
                        text_anchor="middle",
                        fill=INK,
                        font_size="11",
                    )
                )
        if index % label_every == 0:
            body.append(
                _text(
                    left + slot * index + slot / 2,
                    height - bottom + 16,
                    label,
                    text_anchor="middle",
                    fill=INK,
                )
            )
    legend_x = left
    for position, each in enumerate(series):
        colour = PALETTE[position % len(PALETTE)]
        body.append(f'<rect x="{legend_x}" y="8" width="14" height="14" fill="{colour}"/>')
        body.append(_text(legend_x + 20, 20, each.name, fill=INK))
        legend_x += 30 + 8 * len(each.name)
    return _frame(chart_id, title, desc, width, height, body)


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float | None, str]],
    *,
    maximum: float | None = None,
    width: int = 760,
    colour: str = PALETTE[0],
    label_width: int = 240,
) -> Chart:
    """Horizontal bars: (label, value, value as text) per row; ``label_width``
    makes room for long labels (they are cut after 34 characters)."""
    row_height = 28
    value_width = 90
    height = 12 + row_height * max(len(rows), 1)
    highest = maximum or max((value or 0 for _label, value, _text_value in rows), default=0) or 1
    plot_width = width - label_width - value_width - 12
    body = []
    for index, (label, value, text_value) in enumerate(rows):
        y = 6 + row_height * index
        shown = label if len(label) <= 34 else label[:33] + "…"
        body.append(_text(label_width - 8, y + 18, shown, text_anchor="end", fill=INK))
        length = plot_width * float(value or 0) / highest
        body.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row_height - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(text_value)}</title></rect>'
        )
        body.append(_text(label_width + length + 6, y + 18, text_value, fill=INK))
    return _frame(chart_id, title, desc, width, height, body)


def heatmap(
    chart_id: str,
    title: str,
    desc: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    value_text: Callable[[float], str],
    *,
    width: int = 760,
) -> Chart:
    """A grid of cells shaded by value, each with its number written in it."""
    left, top = 70, 24
    columns = max(len(column_labels), 1)
    cell_width = (width - left - 8) / columns
    cell_height = 30
    height = top + cell_height * len(row_labels) + 8
    highest = max((value for row in values for value in row if value is not None), default=0)
    body = []
    for column, label in enumerate(column_labels):
        body.append(
            _text(
                left + cell_width * column + cell_width / 2,
                16,
                label,
                text_anchor="middle",
                fill=INK,
            )
        )
    for row_index, label in enumerate(row_labels):
        y = top + cell_height * row_index
        body.append(_text(left - 8, y + 20, label, text_anchor="end", fill=INK))
        for column in range(columns):
            value = values[row_index][column] if column < len(values[row_index]) else None
            x = left + cell_width * column
            if value is None:
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{cell_width - 2:.1f}" '
                    f'height="{cell_height - 2}" fill="#f8fafc" stroke="{GRID}"/>'
                )
                continue
            share = float(value) / highest if highest else 0
            fill, ink = _shade(share)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_width - 2:.1f}" '
                f'height="{cell_height - 2}" fill="{fill}">'
                f"<title>{escape(label)} {escape(column_labels[column])}: "
                f"{escape(value_text(value))}</title></rect>"
            )
            body.append(
                _text(
                    x + cell_width / 2 - 1,
                    y + 19,
                    value_text(value),
                    text_anchor="middle",
                    fill=ink,
                    font_size="11",
                )
            )
    return _frame(chart_id, title, desc, width, height, body)


def _shade(share: float) -> tuple[str, str]:
    """A blue from pale to deep, and a text colour readable on it."""
    low = (0xE8, 0xF0, 0xFA)
    high = (0x0B, 0x3D, 0x7A)
    mixed = tuple(round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    fill = "#" + "".join(f"{part:02x}" for part in mixed)
    return fill, ("#ffffff" if share > 0.45 else INK)
