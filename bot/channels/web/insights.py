"""The coordinator's overview pages: the gap map (where the policy leaves caseworkers without an answer)
and the latest evaluation report with its plots."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.channels.web import charts
from bot.channels.web.deps import Coordinator, LanguageDep, ServicesDep, Staff
from bot.channels.web.i18n import translate
from bot.channels.web.templating import render
from bot.core.errors import NotFound
from bot.core.settings import REPO_ROOT
from bot.queue.themes import themes_of

router = APIRouter(include_in_schema=False)
REPORT_DIR = REPO_ROOT / "eval" / "report"
MAX_REQUISITIONS = 5_000
TOP_SECTIONS = 15
ASSET_NAME = r"^[\w\-]+\.(png|svg|jpg|jpeg)$"


def closest_section(requisition, documents) -> str:  # noqa: ANN001
    """The document section a routed question came closest to: its best candidate passage."""
    if not requisition.candidates:
        return "—"
    best = max(requisition.candidates, key=lambda c: c.score)
    return _section_label(best.doc_id, best.section, documents)


def _section_label(doc_id: str, section: str | None, documents) -> str:  # noqa: ANN001
    document = documents.get(doc_id)
    title = document.metadata.title if document else doc_id
    return f"{title} › {section}" if section and section != title else title


def cited_section(citations, chunks, documents) -> str:  # noqa: ANN001
    """The section of the first passage shown with a 👎 or a routed question (chunk ids, or document ids)."""
    if not citations:
        return "—"
    first = citations[0]
    chunk = chunks.get(first)
    if chunk is None:
        return _section_label(first, None, documents) if first in documents else "—"
    return _section_label(chunk.doc_id, " › ".join(chunk.section) if chunk.section else None, documents)


@router.get("/dashboard/gaps")
def gap_map(request: Request, staff: Coordinator, services: ServicesDep, language: LanguageDep) -> Response:
    """Requisitions, 👎 and routed questions counted by closest section, theme and month: one series each."""
    requisitions = []
    while len(requisitions) < MAX_REQUISITIONS:
        page = services.requisitions.list(staff, sort="created", offset=len(requisitions), limit=500)
        requisitions.extend(page.items)
        if len(requisitions) >= page.total or not page.items:
            break
    signals = services.requisitions.gap_signals(staff, limit=MAX_REQUISITIONS)
    documents = services.engine.documents
    chunks = {chunk.id: chunk for chunk in services.engine.index.chunks}
    # (series, section, themes, month) for every sign of a gap; series 0 requisitions, 1 👎, 2 routed.
    items = [(0, closest_section(r, documents), tuple(r.themes) or themes_of(r.question), r.created_at)
             for r in requisitions]
    items += [(1 if s.kind == "down" else 2, cited_section(s.citations, chunks, documents), themes_of(s.question),
               s.created_at) for s in signals]
    by_section: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_theme: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    untagged = [0, 0, 0]  # counted beside the chart: as a bar of its own it dwarfed every theme
    for series, section, themes, created in items:
        by_section[section][series] += 1
        for theme in themes:
            by_theme[theme][series] += 1
        if not themes:
            untagged[series] += 1
        by_month[created.strftime("%Y-%m")][series] += 1
    stats = services.requisitions.stats(staff)
    feedback = services.requisitions.feedback_summary(staff)
    series = [translate(key, language) for key in ("gaps.requisitions", "gaps.negative", "gaps.routed")]
    months = sorted(by_month)
    return render(
        request,
        "gaps.html",
        {
            "stats": stats,
            "feedback": feedback,
            "total": len(requisitions),
            "routed": sum(1 for s in signals if s.kind == "routed"),
            "any": bool(items),
            "section_chart": charts.stacked_bars(_top(by_section), series),
            "theme_chart": charts.stacked_bars(_top(by_theme), series, label_width=220),
            "month_chart": charts.columns(months, [by_month[m] for m in months], series),
            "untagged": sum(untagged),
            "untagged_share": round(100 * sum(untagged) / len(items)) if items else 0,
            "any_theme": bool(by_theme),
        },
    )


def _top(counts: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    """The rows with the most signs of a gap, most first."""
    return sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0]))[:TOP_SECTIONS]


# ---------------------------------------------------------------------------- evaluation report


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def report_html(path: Path) -> Markup:
    """REPORT.md as HTML; raw HTML in it is escaped, and relative images point at /dashboard/eval/assets/."""
    html = _markdown.render(path.read_text(encoding="utf-8"))

    def local(match: re.Match[str]) -> str:
        src = match.group(1)
        name = src.rsplit("/", 1)[-1]
        if "://" in src or not re.match(ASSET_NAME, name):
            return 'src=""'
        return f'src="/dashboard/eval/assets/{name}"'

    html = re.sub(r'src="([^"]*)"', local, html)
    # Wide metric tables scroll inside the panel: focusable, so the keyboard can scroll them too (axe-core's
    # scrollable-region-focusable).
    html = html.replace("<table>", '<table tabindex="0">')
    # Table column alignment comes out as style="text-align:…", which the CSP (no inline style) would drop.
    return Markup(re.sub(r'style="text-align:(left|right|center)"', r'class="align-\1"', html))


@router.get("/dashboard/eval")
def eval_report(request: Request, staff: Staff) -> Response:
    report = REPORT_DIR / "REPORT.md"
    if not report.is_file():
        return render(request, "eval.html", {"report": None})
    return render(request, "eval.html", {"report": report_html(report)})


@router.get("/dashboard/eval/assets/{name}")
def eval_asset(staff: Staff, name: Annotated[str, PathParam(max_length=100, pattern=ASSET_NAME)]) -> Response:
    path = REPORT_DIR / name
    if not path.is_file():
        raise NotFound(f"The report has no file '{name}'.", key="report_file_missing", name=name)
    return FileResponse(path)
