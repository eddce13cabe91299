"""The ingested-corpus cache: a second start reuses it, and any change to a source or to the cache file is noticed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.pipeline import Ingestor
from corpus.store import CorpusStore, corpus_fingerprint

DOCUMENTS_DIR = Path(__file__).resolve().parents[2] / "corpus" / "documents"


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    """A copy of two shipped documents (one clean, the OCR one), so the test may change them."""
    folder = tmp_path / "documents"
    folder.mkdir()
    for source in sorted(DOCUMENTS_DIR.glob("*.txt")):
        if source.name[:3] in ("001", "003"):
            shutil.copy(source, folder / source.name)
    return folder


def _store(documents: Path, tmp_path: Path) -> CorpusStore:
    return CorpusStore(documents, tmp_path / "added", tmp_path / "cache")


def test_a_second_load_gives_the_same_corpus_from_the_cache(documents: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = _store(documents, tmp_path).load()
    cached = list((tmp_path / "cache").glob("corpus-*.pickle"))
    assert len(cached) == 1

    def no_ingesting(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached corpus should have been used")

    monkeypatch.setattr(Ingestor, "ingest", no_ingesting)
    second = _store(documents, tmp_path).load()
    assert corpus_fingerprint(second) == corpus_fingerprint(first)
    assert [d.document.text for d in second] == [d.document.text for d in first]
    assert any(d.document.ocr_repaired for d in second)


def test_a_changed_document_is_ingested_again_and_the_old_cache_goes(documents: Path, tmp_path: Path) -> None:
    before = _store(documents, tmp_path).load()
    target = sorted(documents.glob("001_*.txt"))[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEt nyt afsnit om tolkebistand i bydelene.\n", encoding="utf-8")
    after = _store(documents, tmp_path).load()
    assert corpus_fingerprint(after) != corpus_fingerprint(before)
    assert any("Et nyt afsnit om tolkebistand" in d.document.text for d in after)
    assert len(list((tmp_path / "cache").glob("corpus-*.pickle"))) == 1


def test_a_damaged_cache_is_ignored_and_rewritten(documents: Path, tmp_path: Path) -> None:
    expected = corpus_fingerprint(_store(documents, tmp_path).load())
    cache = next((tmp_path / "cache").glob("corpus-*.pickle"))
    cache.write_bytes(b"not a pickle")
    assert corpus_fingerprint(_store(documents, tmp_path).load()) == expected
    assert cache.read_bytes() != b"not a pickle"


def test_without_a_cache_dir_nothing_is_written(documents: Path, tmp_path: Path) -> None:
    CorpusStore(documents, tmp_path / "added").load()
    assert not list(tmp_path.rglob("*.pickle"))
