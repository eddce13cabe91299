"""The five shipped documents, ingested once per session (cleaning, OCR repair, metadata, chunks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.pipeline import IngestedDocument
from corpus.store import CorpusStore

DOCUMENTS_DIR = Path(__file__).resolve().parents[2] / "corpus" / "documents"


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, IngestedDocument]:
    """Shipped documents by their three-digit prefix ("000" … "004")."""
    store = CorpusStore(DOCUMENTS_DIR, tmp_path_factory.mktemp("no-added-documents"))
    return {item.document.doc_id[:3]: item for item in store.load()}
