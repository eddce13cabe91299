"""Bar charts as SVG, drawn on the server: no chart library in the browser and nothing for the CSP to allow.

Only presentation attributes are used (no `style`), and every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1f4e8c", "#c0392b", "#d4a017", "#2e8b57")
FONT = 'font-family="system-ui, sans-serif"'


def stacked_bars(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, label_width: int = 330) -> Markup:
    """Horizontal stacked bars, one row per label, a segment per series; a legend on top."""
    if not rows:
        return Markup("")
    width, bar_h, gap, top = 900, 22, 10, 34
    plot = width - label_width - 60
    biggest = max(sum(values) for _, values in rows) or 1
    height = top + len(rows) * (bar_h + gap) + 10
    parts = [_legend(series)]
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        fits = int((label_width - 16) / 7.8)  # characters of a 13 px sans-serif label that fit left of the bars
        text = label if len(label) <= fits else label[: fits - 1] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13" fill="#1d2433" {FONT}>'
            f"<title>{escape(label)}</title>{escape(text)}</text>"
        )
        x = float(label_width)
        for j, value in enumerate(values):
            w = plot * value / biggest
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{PALETTE[j % len(PALETTE)]}">'
                    f"<title>{escape(series[j])}: {value}</title></rect>"
                )
                x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13" fill="#5b6475" {FONT}>{sum(values)}</text>'
        )
    return _svg(width, height, parts, "bar chart")


def columns(labels: Sequence[str], values: Sequence[Sequence[int]], series: Sequence[str]) -> Markup:
    """Vertical stacked columns, e.g. one per month."""
    if not labels:
        return Markup("")
    width, height, left, bottom, top = 900, 300, 40, 40, 34
    plot_w, plot_h = width - left - 20, height - top - bottom
    step = max(1, math.ceil(max(sum(v) for v in values) / 4))
    biggest = step * 4  # whole-number ticks
    slot = plot_w / len(labels)
    bar_w = min(48.0, slot * 0.7)
    parts = [_legend(series)]
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ec"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#5b6475" {FONT}>'
            f"{step * k}</text>"
        )
    for i, (label, stack) in enumerate(zip(labels, values)):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(top + plot_h)
        for j, value in enumerate(stack):
            h = plot_h * value / biggest
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                    f"<title>{escape(label)} · {escape(series[j])}: {value}</title></rect>"
                )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11" fill="#1d2433" {FONT}>'
            f"{escape(label)}</text>"
        )
    return _svg(width, height, parts, "column chart")


def _legend(series: Sequence[str]) -> str:
    items, x = [], 0
    for j, name in enumerate(series):
        items.append(
            f'<rect x="{x}" y="6" width="14" height="14" rx="2" fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 20}" y="18" font-size="13" fill="#1d2433" {FONT}>{escape(name)}</text>'
        )
        x += 30 + 8 * len(name)
    return "".join(items)


def _svg(width: int, height: int, parts: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        + "".join(parts)
        + "</svg>"
    )
