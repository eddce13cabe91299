"""The corpus on disk: the shipped documents (read-only) plus documents added by operators or published answers."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpus.document import DocumentMetadata
from corpus.errors import DocumentError
from corpus.loaders import SUPPORTED_SUFFIXES, read_text
from corpus.pipeline import IngestedDocument, Ingestor, safe_doc_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrittenDocument:
    """An added document as kept on disk (and, with PostgreSQL, in the database): its text, names and metadata."""

    doc_id: str
    source_name: str
    text: str
    metadata: dict[str, Any] | None

    @property
    def checksum(self) -> str:
        """Equal on every machine for the same document, so a sync compares one string per document."""
        payload = [self.doc_id, self.source_name, self.text, self.metadata]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    @property
    def kind(self) -> str:
        """"added" for an operator's document, else the doc_type Vejviser wrote it as (a task-force answer)."""
        return str(self.metadata.get("doc_type")) if self.metadata else "added"


class CorpusStore:
    """Lists, loads and adds documents; added ones are kept as extracted UTF-8 text plus a metadata file.

    With a `cache_dir`, `load` keeps the ingested corpus there, keyed by every source text and the ingestion code
    itself: cleaning and OCR repair take seconds, and every process (each web worker, each CLI call) needs them.
    """

    def __init__(self, documents_dir: Path, added_dir: Path, cache_dir: Path | None = None) -> None:
        self.documents_dir = documents_dir
        self.added_dir = added_dir
        self.cache_dir = cache_dir

    def sources(self) -> list[tuple[str, Path]]:
        """(doc_id, text file) for every document, shipped first, in a stable order."""
        shipped = sorted(p for p in self.documents_dir.glob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES)
        added = sorted(self.added_dir.glob("*.txt")) if self.added_dir.is_dir() else []
        return [(p.stem, p) for p in shipped] + [(p.stem, p) for p in added]

    def load(self) -> list[IngestedDocument]:
        """Ingest every document; the clean ones teach OCR repair their vocabulary first."""
        raws = [(doc_id, path, read_text(path)) for doc_id, path in self.sources()]
        metadata = [self._metadata_for(path) for _, path, _ in raws]
        cache = self._cache_file(raws, metadata)
        if cache is not None and cache.is_file():
            try:
                with cache.open("rb") as handle:
                    cached: list[IngestedDocument] = pickle.load(handle)
                    return cached
            except Exception as error:  # a damaged cache is only a slower start
                log.warning("ignoring the corpus cache %s (%s); ingesting again", cache, error)
        ingestor = Ingestor()
        ingestor.learn([raw for _, _, raw in raws])
        ingested = [ingestor.ingest(doc_id, path.name, raw, meta) for (doc_id, path, raw), meta in zip(raws, metadata)]
        if cache is not None:
            self._write_cache(cache, ingested)
        return ingested

    def _cache_file(self, raws: list[tuple[str, Path, str]], metadata: list[DocumentMetadata | None]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(_ingestion_code_version().encode())
        for (doc_id, path, raw), meta in zip(raws, metadata):
            digest.update(json.dumps([doc_id, path.name, raw, asdict(meta) if meta else None], ensure_ascii=False).encode())
        return self.cache_dir / f"corpus-{digest.hexdigest()[:24]}.pickle"

    def _write_cache(self, cache: Path, ingested: list[IngestedDocument]) -> None:
        """Best effort, atomic (temp file + rename, so a worker never reads half a file); older caches go."""
        tmp: str | None = None
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.name}.")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(ingested, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
            tmp = None
            for old in cache.parent.glob("corpus-*.pickle"):
                if old != cache:
                    old.unlink(missing_ok=True)
        except (OSError, pickle.PicklingError) as error:
            log.warning("could not write the corpus cache %s (%s)", cache, error)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def add_file(self, path: Path) -> IngestedDocument:
        """Add a document file; nothing changes on disk unless it can be read and ingested."""
        raw = read_text(path)
        doc_id = self._unused_id(safe_doc_id(path.stem))
        ingested = self._ingest_one(doc_id, path.name, raw, None)
        self._write(doc_id, raw, None, source_name=path.name)
        return ingested

    def add_text(self, doc_id: str, raw: str, metadata: DocumentMetadata) -> IngestedDocument:
        """Add a document written by Vejviser itself (a published task-force answer) with fixed metadata.

        Idempotent: if Vejviser already wrote a document of that id with the same kind (a publication retried after
        a crash, or by another worker), that one is returned as stored and nothing is written again."""
        base = safe_doc_id(doc_id)
        existing = self.added_dir / f"{base}.txt"
        stored = self._metadata_for(existing) if existing.is_file() else None
        if stored is not None and stored.doc_type == metadata.doc_type:
            return self._ingest_one(base, existing.name, read_text(existing), stored)
        doc_id = self._unused_id(base)
        ingested = self._ingest_one(doc_id, f"{doc_id}.txt", raw, metadata)
        self._write(doc_id, raw, metadata, source_name=f"{doc_id}.txt")
        return ingested

    def _ingest_one(self, doc_id: str, source_name: str, raw: str, metadata: DocumentMetadata | None) -> IngestedDocument:
        ingestor = Ingestor()
        ingestor.learn([read_text(p) for _, p in self.sources()])
        ingested = ingestor.ingest(doc_id, source_name, raw, metadata)
        if not ingested.chunks:
            raise DocumentError(f"{source_name}: no answerable text was left after cleaning.")
        return ingested

    def _unused_id(self, base: str) -> str:
        taken = {doc_id for doc_id, _ in self.sources()}
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def remove_written(self, doc_id: str, doc_type: str) -> bool:
        """Delete a document Vejviser wrote itself (of `doc_type`, e.g. an unpublished task-force answer); shipped and
        operator-added documents are never removed. False when there was none."""
        text = self.added_dir / f"{safe_doc_id(doc_id)}.txt"
        stored = self._metadata_for(text) if text.is_file() else None
        if stored is None or stored.doc_type != doc_type:
            return False
        self.remove(doc_id)
        return True

    def written(self) -> list[WrittenDocument]:
        """Every added document as stored, in doc_id order: what a machine compares with the shared corpus."""
        found = []
        for doc_id, path in self.sources():
            if path.parent != self.added_dir:
                continue
            meta_path = path.with_suffix(".json")
            stored = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
            found.append(WrittenDocument(doc_id, stored.get("source_name", path.name), path.read_text(encoding="utf-8"),
                                         stored.get("metadata")))
        return found

    def put(self, document: WrittenDocument) -> None:
        """Write a document exactly as given (same id, text and metadata), replacing one of that id."""
        if safe_doc_id(document.doc_id) != document.doc_id:
            raise DocumentError(f"{document.doc_id!r} is not a document id Vejviser writes; nothing was written.")
        self.added_dir.mkdir(parents=True, exist_ok=True)
        meta = {"source_name": document.source_name, "metadata": document.metadata}
        _atomic_write(self.added_dir / f"{document.doc_id}.json", json.dumps(meta, ensure_ascii=False, indent=2))
        _atomic_write(self.added_dir / f"{document.doc_id}.txt", document.text)

    def remove(self, doc_id: str) -> None:
        """Delete an added document of any kind (the shared corpus no longer holds it); shipped ones are not here."""
        text = self.added_dir / f"{safe_doc_id(doc_id)}.txt"
        text.unlink(missing_ok=True)  # text first: a crash in between leaves an orphan metadata file, which lists nothing
        text.with_suffix(".json").unlink(missing_ok=True)

    def _write(self, doc_id: str, raw: str, metadata: DocumentMetadata | None, *, source_name: str) -> None:
        """Write text and metadata atomically (temp file + rename), metadata first so a crash leaves no orphan text."""
        self.added_dir.mkdir(parents=True, exist_ok=True)
        meta = {"source_name": source_name, "metadata": asdict(metadata) if metadata else None}
        _atomic_write(self.added_dir / f"{doc_id}.json", json.dumps(meta, ensure_ascii=False, indent=2))
        _atomic_write(self.added_dir / f"{doc_id}.txt", raw)

    @staticmethod
    def _metadata_for(path: Path) -> DocumentMetadata | None:
        meta_path = path.with_suffix(".json")
        if not meta_path.is_file():
            return None
        stored = json.loads(meta_path.read_text(encoding="utf-8")).get("metadata")
        if not stored:
            return None
        stored["subjects"] = tuple(stored.get("subjects", ()))
        return DocumentMetadata(**stored)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _ingestion_code_version() -> str:
    """The ingestion code and the word list OCR repair reads: a change to either must not reuse a cached corpus."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    try:
        digest.update(version("wordfreq").encode())
    except PackageNotFoundError:
        pass
    return digest.hexdigest()


def corpus_fingerprint(ingested: list[IngestedDocument]) -> str:
    """Changes whenever any chunk's text, section or any document's metadata changes, including changes that come
    from a new version of the cleaning or OCR code; the index records it and refuses to serve a stale corpus."""
    digest = hashlib.sha256()
    for item in sorted(ingested, key=lambda i: i.document.doc_id):
        digest.update(json.dumps([item.document.doc_id, asdict(item.document.metadata)], ensure_ascii=False, sort_keys=True).encode())
        for chunk in item.chunks:
            digest.update(chunk.id.encode())
    return digest.hexdigest()
