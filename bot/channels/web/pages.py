"""The start page and the API reference (rendered here from the OpenAPI spec: no CDN, no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.channels.web.auth import home_for
from bot.channels.web.deps import VisitorDep
from bot.channels.web.templating import render

router = APIRouter(include_in_schema=False)
_markdown = MarkdownIt("commonmark", {"html": False})  # the spec's descriptions are Markdown; raw HTML is escaped


def markdown(text: str) -> Markup:
    return Markup(_markdown.render(text or ""))


@router.get("/")
def home(visitor: VisitorDep) -> Response:
    if visitor.actor is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_for(visitor), status_code=303)


@router.get("/docs")
def api_reference(request: Request) -> Response:
    """Every operation of /openapi.json with its parameters, body and responses, for API client authors."""
    spec = request.app.openapi()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": markdown(operation.get("description", "")),
                    "parameters": operation.get("parameters", []),
                    "body": _schema_name(body),
                    "responses": operation.get("responses", {}),
                    "secured": bool(operation.get("security")),
                }
            )
    schemas = spec.get("components", {}).get("schemas", {})
    return render(request, "api_docs.html", {"spec": spec, "operations": operations, "schemas": schemas,
                                             "description": markdown(spec.get("info", {}).get("description", ""))})


def _schema_name(schema: dict | None) -> str:
    if not schema:
        return ""
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "")
