"""What the answer engine returns: the shape `vejviser ask --json`, `/api/ask` and the chat replies share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["answered", "route", "help"]  # help: not a question ("Hej", "tak"), a short how-to instead


@dataclass(frozen=True)
class Citation:
    """One source passage: `text` is the whole retrieved chunk, `quote` the verbatim sentences used from it."""

    doc_id: str
    title: str
    date: str | None
    section: str
    text: str
    quote: str
    score: float
    chunk_id: str = ""
    start: int = 0  # offsets of the chunk in the document's clean text
    end: int = 0
    doc_type: str = "document"


@dataclass(frozen=True)
class Answer:
    """The engine's reply to one question; `answer` is quotes plus fixed phrasing, nothing generated."""

    question: str
    language: Literal["da", "en"]
    status: Status
    answer: str
    confidence: float
    citations: list[Citation]
    notices: list[str] = field(default_factory=list)  # validity: source age, newer documents on the subject
    redacted: tuple[str, ...] = ()  # kinds of personal data removed from the question before use
    tentative: bool = False  # routed, and its first quote is offered as "the closest, not sure" (the middle band)
    features: dict[str, float] = field(default_factory=dict, compare=False)  # the confidence's inputs (eval, --explain)

    def to_json(self) -> dict[str, Any]:
        """The CLI/API contract: other tools depend on exactly these keys."""
        return {
            "question": self.question,
            "language": self.language,
            "status": self.status,
            "answer": self.answer,
            "confidence": round(self.confidence, 4),
            "citations": [
                {k: v for k, v in asdict(c).items() if k in {"doc_id", "title", "date", "section", "text", "quote", "score"}}
                | {"score": round(c.score, 4)}
                for c in self.citations
            ],
            "notices": list(self.notices),
            "redacted": list(self.redacted),
            "tentative": self.tentative,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, for storing an answer shown to a caseworker (unlike `to_json`, not a public contract)."""
        return {k: v for k, v in asdict(self).items() if k != "features"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of `to_dict`."""
        return cls(**{**data, "citations": [Citation(**c) for c in data["citations"]],
                      "notices": list(data.get("notices", ())), "redacted": tuple(data.get("redacted", ()))})
