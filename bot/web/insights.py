"""The coordinator's overview pages: the gap map (where the policy leaves caseworkers without an answer)
and the latest evaluation report with its plots."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Path as PathParam, Request
from fastapi.responses import FileResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.errors import NotFound
from bot.settings import REPO_ROOT
from bot.web import charts
from bot.web.deps import Coordinator, LanguageDep, ServicesDep, Staff
from bot.web.i18n import translate
from bot.web.templating import render

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
    document = documents.get(best.doc_id)
    title = document.metadata.title if document else best.doc_id
    return f"{title} › {best.section}" if best.section and best.section != title else title


@router.get("/dashboard/gaps")
def gap_map(request: Request, staff: Coordinator, services: ServicesDep, language: LanguageDep) -> Response:
    requisitions = []
    while len(requisitions) < MAX_REQUISITIONS:
        page = services.requisitions.list(staff, sort="created", offset=len(requisitions), limit=500)
        requisitions.extend(page.items)
        if len(requisitions) >= page.total or not page.items:
            break
    documents = services.engine.documents
    by_section = Counter(closest_section(r, documents) for r in requisitions)
    by_theme = Counter(theme for r in requisitions for theme in (r.themes or ("—",)))
    by_month = Counter(r.created_at.strftime("%Y-%m") for r in requisitions)
    stats = services.requisitions.stats(staff)
    feedback = services.requisitions.feedback_summary(staff)
    series = [translate("gaps.requisitions", language)]
    months = sorted(by_month)
    return render(
        request,
        "gaps.html",
        {
            "stats": stats,
            "feedback": feedback,
            "total": len(requisitions),
            "section_chart": charts.stacked_bars([(k, [v]) for k, v in by_section.most_common(TOP_SECTIONS)], series),
            "theme_chart": charts.stacked_bars([(k, [v]) for k, v in by_theme.most_common(TOP_SECTIONS)], series, label_width=220),
            "month_chart": charts.columns(months, [[by_month[m]] for m in months], series),
            "by_section": by_section.most_common(),
            "hours": lambda seconds: "—" if seconds is None else f"{seconds / 3600:.1f} h",
        },
    )


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

    return Markup(re.sub(r'src="([^"]*)"', local, html))


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
        raise NotFound(f"The report has no file '{name}'.")
    return FileResponse(path)
