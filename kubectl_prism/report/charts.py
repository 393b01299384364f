"""Inline SVG bar charts for the HTML report: no JavaScript, no external assets.

Every bar carries `data-label` and `data-value` so tests (and curious readers) can check the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 170
VALUE_WIDTH = 120
CHART_WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as text next to the bar
    css_class: str = "bar"


def bar_chart(chart_id: str, title: str, bars: list[Bar], max_value: float | None = None) -> str:
    """A horizontal bar chart; bars scale to `max_value` (default: the largest bar)."""
    top = max([max_value or 0.0, *(b.value for b in bars)]) or 1.0
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<figure><figcaption>{escape(title)}</figcaption>',
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = 0 if bar.value <= 0 else max(2.0, plot * bar.value / top)
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" class="label">'
            f"{escape(bar.label)}</text>",
            f'<rect class="{escape(bar.css_class)}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3" data-label="{escape(bar.label)}" data-value="{bar.value:g}"/>',
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" class="value">'
            f"{escape(bar.shown)}</text>",
        ]
    parts.append("</svg></figure>")
    return "".join(parts)
