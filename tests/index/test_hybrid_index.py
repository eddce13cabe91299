"""The hybrid index: refuses a stale build, embeds only new text, HNSW on request, Danish stemming for BM25.

These use the deterministic hashing embedder: they test the index's bookkeeping, not retrieval quality.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.answering.engine import AnswerEngine
from bot.channels.cli.main import main
from bot.core.errors import IndexMismatch
from bot.core.settings import Settings
from corpus.store import CorpusStore, corpus_fingerprint
from index.builder import build_index
from index.embedder import HashingEmbedder, Kind
from index.lexical import Analyzer, LexicalIndex
from index.store import HybridIndex

NEW_DOCUMENT = """# Retningslinjer for tolkebistand

Tolkebistand bestilles af sagsbehandleren, når borgeren ikke taler dansk godt nok til at forstå sin sag.

## Priser

En fremmødetolk koster 450 kr. i timen, og borgeren betaler ikke selv for tolken.
"""


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, recording every text it is asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        self.embedded.extend(texts)
        return super().embed(texts, kind=kind)


class OtherModel(HashingEmbedder):
    model_id = "another-model"


def hashing_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, embedder="hashing", **overrides)


@pytest.fixture
def built(tmp_path: Path) -> Settings:
    """A data dir whose index was built from the shipped corpus with the hashing embedder."""
    settings = hashing_settings(tmp_path / "data")
    AnswerEngine.load(settings, embedder=HashingEmbedder())
    return settings


def test_another_model_is_refused_naming_the_fix(built: Settings) -> None:
    with pytest.raises(IndexMismatch, match=r"another-model.*run `vejviser index build`"):
        AnswerEngine.load(built, embedder=OtherModel())


def test_another_corpus_is_refused_naming_the_fix(built: Settings) -> None:
    built.added_documents_dir.mkdir(parents=True)
    (built.added_documents_dir / "nyt-notat.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    with pytest.raises(IndexMismatch, match=r"documents changed.*run `vejviser index build`"):
        AnswerEngine.load(built, embedder=HashingEmbedder())


def test_the_cli_says_which_command_fixes_a_stale_index(built: Settings, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    built.added_documents_dir.mkdir(parents=True)
    (built.added_documents_dir / "nyt-notat.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    monkeypatch.setenv("VEJVISER_DATA_DIR", str(built.data_dir))
    monkeypatch.setenv("VEJVISER_EMBEDDER", "hashing")
    monkeypatch.chdir(built.data_dir)
    assert main(["ask", "Hvem skal høringssvarene sendes til?"]) == 1
    err = capsys.readouterr().err
    assert "vejviser index build" in err and "Traceback" not in err

    assert main(["index", "build"]) == 0  # and the command it names does fix it
    capsys.readouterr()
    assert main(["ask", "--json", "Hvad koster en fremmødetolk?"]) == 0


def test_an_unreadable_manifest_names_the_fix(built: Settings) -> None:
    (built.index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexMismatch, match="run `vejviser index build`"):
        AnswerEngine.load(built, embedder=HashingEmbedder())


@pytest.mark.parametrize("damage", ["same-size random bytes", "truncated"])
def test_a_damaged_index_file_is_refused_naming_the_fix(built: Settings, damage: str, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Before: random bytes in vectors.npy silently changed answers (exit 0); a truncated one gave a traceback."""
    vectors = built.index_dir / "vectors.npy"
    original = vectors.read_bytes()
    vectors.write_bytes(np.random.default_rng(7).bytes(len(original)) if damage != "truncated" else original[:-64])
    with pytest.raises(IndexMismatch, match=r"vectors\.npy changed since it was written.*run `vejviser index build`"):
        AnswerEngine.load(built, embedder=HashingEmbedder())
    monkeypatch.setenv("VEJVISER_DATA_DIR", str(built.data_dir))
    monkeypatch.setenv("VEJVISER_EMBEDDER", "hashing")
    assert main(["ask", "Hvem skal høringssvarene sendes til?"]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "vejviser index build" in err and "Traceback" not in err
    assert main(["index", "build"]) == 0  # the command it names fixes it
    capsys.readouterr()
    assert main(["ask", "--json", "Hvem skal høringssvarene sendes til?"]) == 0


def test_the_manifest_records_every_file_and_a_missing_one_is_refused(built: Settings) -> None:
    import json

    files = json.loads((built.index_dir / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {"vectors.npy", "sentence_vectors.npy", "chunks.jsonl", "sentences.json", "dense.faiss"} <= set(files)
    assert any(name.startswith("bm25/") for name in files)
    (built.index_dir / "sentences.json").unlink()
    with pytest.raises(IndexMismatch, match=r"sentences\.json is missing.*run `vejviser index build`"):
        AnswerEngine.load(built, embedder=HashingEmbedder())


def test_adding_a_document_embeds_only_its_new_text(built: Settings, tmp_path: Path) -> None:
    counting = CountingEmbedder()
    engine = AnswerEngine.load(built, embedder=counting)
    assert counting.embedded == []  # loading an index embeds nothing
    old_texts = {c.embedding_text for c in engine.index.chunks}

    path = tmp_path / "nyt-notat.md"
    path.write_text(NEW_DOCUMENT, encoding="utf-8")
    document = engine.add_document(path)

    new_chunks = [c for c in engine.index.chunks if c.doc_id == document.doc_id]
    assert new_chunks
    new_text = "\n".join(c.embedding_text for c in new_chunks)
    assert counting.embedded, "the new document was not embedded"
    assert not old_texts & set(counting.embedded), "an unchanged chunk was embedded again"
    assert all(text in new_text for text in counting.embedded), "something other than the new document was embedded"

    counting.embedded.clear()
    reloaded = AnswerEngine.load(built, embedder=counting)  # the saved index matches the grown corpus
    assert counting.embedded == [] and len(reloaded.index.chunks) == len(engine.index.chunks)


def test_rebuilding_an_unchanged_corpus_embeds_nothing(built: Settings) -> None:
    counting = CountingEmbedder()
    ingested = CorpusStore(built.documents_dir, built.added_documents_dir).load()
    fingerprint = corpus_fingerprint(ingested)
    previous = HybridIndex.load(built.index_dir, model_id=counting.model_id, model_checksum=counting.model_id,
                                corpus_hash=fingerprint)
    rebuilt = build_index(built, counting, counting.model_id, ingested, fingerprint, reuse=previous)
    assert counting.embedded == []
    assert np.array_equal(rebuilt.vectors, previous.vectors)


def test_a_passage_quoted_word_for_word_stands_out_more_than_a_question_about_nothing(built: Settings) -> None:
    embedder = HashingEmbedder()
    ingested = CorpusStore(built.documents_dir, built.added_documents_dir).load()
    index = HybridIndex.load(built.index_dir, model_id=embedder.model_id, model_checksum=embedder.model_id,
                             corpus_hash=corpus_fingerprint(ingested))
    quoted = embedder.embed([index.chunks[3].embedding_text], kind="passage")[0]
    nothing = embedder.embed(["zebra xylofon kvantefysik"], kind="query")[0]
    assert index.standout(quoted) > index.standout(nothing) >= 0.0
    assert HybridIndex().standout(quoted) == 0.0  # an empty index: nothing stands out


@pytest.mark.parametrize(("overrides", "kind"), [
    ({}, "flat"),
    ({"index_kind": "hnsw"}, "hnsw"),
    ({"index_kind": "auto", "hnsw_threshold": 10}, "hnsw"),
    ({"index_kind": "flat", "hnsw_threshold": 10}, "flat"),
])
def test_hnsw_is_selectable_in_settings(tmp_path: Path, overrides: dict[str, object], kind: str) -> None:
    import faiss

    settings = hashing_settings(tmp_path / "data", **overrides)
    engine = AnswerEngine.load(settings, embedder=HashingEmbedder())
    loaded = HybridIndex.load(settings.index_dir, model_id=HashingEmbedder.model_id,
                              model_checksum=HashingEmbedder.model_id, corpus_hash=None)
    assert engine.index.manifest.index_kind == kind and loaded.manifest.index_kind == kind
    assert isinstance(loaded.dense._index, faiss.IndexHNSWFlat if kind == "hnsw" else faiss.IndexFlatIP)
    query = "Svaret sendes til Ledelsessekretariatet"
    hits = loaded.search(query, HashingEmbedder().embed([query], kind="query")[0], k=3)
    assert hits and hits[0].chunk.doc_id.startswith("001")


@pytest.mark.parametrize(("form", "base"), [
    ("høringssvarene", "høringssvar"), ("høringssvaret", "høringssvar"), ("rådgiverne", "rådgiver"),
    ("forvaltningerne", "forvaltning"), ("tolkene", "tolk"), ("koordinatoren", "koordinator"),
])
def test_danish_inflections_share_a_term(form: str, base: str) -> None:
    analyzer = Analyzer()
    assert analyzer.terms(form) == analyzer.terms(base)


def test_bm25_finds_inflected_forms() -> None:
    texts = [
        "Svaret sendes til Ledelsessekretariatet senest den 1. februar.",
        "Task forcen består af fire rådgivere og en koordinator.",
        "Bydelsmødre når ud til isolerede kvinder i boligområderne.",
    ]
    index = LexicalIndex(Analyzer())
    index.build(texts)
    for query, expected in [("Hvem skal svarene sendes til i ledelsessekretariatets regi?", 0),
                            ("hvor mange rådgiveren og koordinatorer", 1),
                            ("bydelsmor i boligområdet", 2)]:
        scores = index.scores(query)
        assert int(np.argmax(scores)) == expected and scores[expected] > 0, (query, scores)
    assert not index.scores("og i til den").any()  # stop words alone match nothing
