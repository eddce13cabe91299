"""The answer engine: retrieve, pick the sentences that answer, quote them verbatim with citations, or abstain.

Nothing is generated: an answer is quotes from the documents plus fixed phrasing ("Ifølge …"). When the
evidence is weak the engine says so and returns the closest passages with status `route`, so the question
can go to the task force as a requisition.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from bot.answering import best_practice
from bot.answering.alignment import word_alignment
from bot.answering.answer import Answer, Citation, Status
from bot.answering.confidence import ConfidenceModel
from bot.answering.neutral import neutral_query
from bot.answering.phrasing import compose_answer, format_date, help_text, is_question
from bot.core.control_chars import strip_controls
from bot.core.errors import IndexMismatch, IndexMissing, InvalidQuestion
from bot.core.language import Language, LanguageDetector
from bot.core.settings import Settings
from corpus.document import Document, DocumentMetadata
from corpus.pipeline import IngestedDocument, safe_doc_id
from corpus.store import CorpusStore, WrittenDocument, corpus_fingerprint
from index.embedder import Embedder, TokenEncoder
from index.fusion import FusionMethod
from index.passage_tokens import PassageTokens, passage_tokens
from index.question_bank import QuestionBank, bank_for
from index.store import Hit, HybridIndex, Sentence, checksum_problems, read_manifest

log = logging.getLogger(__name__)
SHORT_SENTENCE_CHARS = 60
TERM_OVERLAP_WEIGHT = 0.15
ANSWER_KIND_PENALTY = 0.02  # measured on dev: quote holds the evidence .63 -> .66, ranking unchanged
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
# What kind of fact a question asks for, and how that kind of fact looks in a Danish passage. A quote that lacks
# the kind asked for (a figure for "hvor mange", a date for "hvornår") rarely answers, however close its topic.
_ASKS = {
    "number": re.compile(r"\b(hvor (?:mange|meget|stor|store|tit|ofte|lang|længe)|hvad koster|hvilket beløb|antal|"
                         r"how (?:many|much|often|long|large|big)|what does .{1,40} cost|budget\w*|procent|percent)\b", re.I),
    "date": re.compile(r"\b(hvornår|hvilken dato|hvilket år|frist|when|what date|which year|what year|deadline)\b", re.I),
    "person": re.compile(r"\b(hvem|who|whom)\b", re.I),
}
_LOOKS = {
    # "en"/"et" are left out: as articles they are in nearly every Danish sentence, so they showed nothing.
    "number": re.compile(r"\d|\b(én|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|tyve|halvdel\w*|"
                         r"dobbelt\w*|hver\w*|årlig\w*|ugentlig\w*|månedlig\w*|daglig\w*)\b", re.I),
    "date": re.compile(r"\b(1[89]\d\d|20\d\d|januar|februar|marts|april|maj|juni|juli|august|september|oktober|"
                       r"november|december|primo|medio|ultimo|forår\w*|efterår\w*|snarest)\b", re.I),
    "person": re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÆØÅ][a-zæøå]+\w*|\b[A-ZÆØÅ]{2,}\b"),
}


@dataclass(frozen=True)
class Evidence:
    """Everything the engine measured for one question; eval and the confidence fit read it."""

    hits: list[Hit]
    quotes: list[tuple[int, int]]  # per hit: the quoted span inside its chunk text
    features: dict[str, float]


WARM_UP_QUESTIONS = ("Hvem kan rekvirere task forcen?", "Who can requisition the task force?")


class AnswerEngine:
    """Answers questions from the indexed corpus; one instance serves many questions (thread-safe reads)."""

    def __init__(self, settings: Settings, embedder: Embedder, index: HybridIndex, ingested: list[IngestedDocument],
                 corpus: CorpusStore, confidence: ConfidenceModel, model_checksum: str,
                 bank: QuestionBank | None = None, tokens: PassageTokens | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.ingested = {item.document.doc_id: item for item in ingested}
        self.documents = {doc_id: item.document for doc_id, item in self.ingested.items()}
        self.corpus = corpus
        self.confidence_model = confidence
        self.model_checksum = model_checksum
        self.bank = bank
        # The word alignment's passage token vectors: stored ones from `load`, else computed once and remembered.
        self.tokens = tokens or (PassageTokens(embedder) if isinstance(embedder, TokenEncoder) else None)
        self.language = LanguageDetector()
        self._lock = threading.RLock()
        self._manifest_mtime = _mtime(settings.index_dir / "manifest.json")
        self._bank_questions: set[str] = set()  # chunk ids whose published question the bank already holds
        self._remember_published_questions()
        self._verified_files: tuple[tuple[str, int, int], ...] | None = None  # stat of files that last hashed clean

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, *, build_if_missing: bool = True) -> AnswerEngine:
        """Load model, corpus and index; build the index on first start, refuse a mismatched one."""
        from index.builder import build_index, load_query_embedder
        from index.dense import use_search_threads

        use_search_threads(settings.torch_threads)  # one question's search, like its embedding, on the configured threads
        embedder, checksum = (embedder, getattr(embedder, "checksum", embedder.model_id)) if embedder else load_query_embedder(settings)
        corpus = CorpusStore(settings.documents_dir, settings.added_documents_dir, settings.cache_dir)
        ingested = corpus.load()
        corpus_hash = corpus_fingerprint(ingested)
        try:
            index = HybridIndex.load(settings.index_dir, model_id=embedder.model_id, model_checksum=checksum,
                                     corpus_hash=corpus_hash)
        except IndexMissing:
            if not build_if_missing:
                raise
            log.info("no index yet: building it once at %s", settings.index_dir)
            index = build_index(settings, embedder, checksum, ingested, corpus_hash)
        return cls.assemble(settings, embedder, index, ingested, corpus, checksum)

    @classmethod
    def assemble(cls, settings: Settings, embedder: Embedder, index: HybridIndex, ingested: list[IngestedDocument],
                 corpus: CorpusStore, checksum: str, *, cache_dir: Path | None = None) -> AnswerEngine:
        """The engine over a loaded index with everything else it answers with: the question bank and the passages'
        token vectors (from `cache_dir`, default the settings' cache, built there when missing) and the calibrated
        confidence. `load` ends here; the benchmarks start here with indexes of their own."""
        cache = cache_dir or settings.cache_dir
        bank = bank_for(embedder, [c for item in ingested for c in item.chunks], checksum, cache)
        tokens = (passage_tokens(embedder, [c.text for c in index.chunks], checksum, cache)
                  if isinstance(embedder, TokenEncoder) else None)
        return cls(settings, embedder, index, ingested, corpus, ConfidenceModel.load(settings.calibration_file), checksum,
                   bank, tokens)

    def warm_up(self) -> None:
        """Answer one question per language and throw the answers away, so the first caseworker's question is as
        fast as later ones (name lists, word frequencies and the graph's first run load lazily: ~1 s measured)."""
        for question in WARM_UP_QUESTIONS:
            self.ask(question)

    def threshold(self) -> float:
        """The answer threshold: explicit setting first, else the calibrated one."""
        if self.settings.answer_threshold is not None:
            return self.settings.answer_threshold
        return self.confidence_model.threshold

    # ------------------------------------------------------------------ answering

    def ask(self, question: object, *, method: FusionMethod | None = None) -> Answer:
        """Answer one question, or say it must be routed; raises InvalidQuestion for unusable input."""
        from bot.privacy.redaction import redact

        text = validate_question(question, self.settings.max_question_chars)
        redaction = redact(text)
        text = redaction.text
        self._reload_if_changed()
        # Detected once, on the question without nationality words, so they cannot change the reply's language.
        language = self.language.detect(neutral_query(text))
        if not is_question(text):
            return Answer(question=text, language=language, status="help", answer=help_text(language),
                          confidence=0.0, citations=[], redacted=redaction.found)
        evidence = self.gather(text, method=method)
        confidence = self.confidence_model.confidence(evidence.features) if evidence.hits else 0.0
        status: Status = "answered" if evidence.hits and confidence >= self.threshold() else "route"
        tentative = bool(evidence.hits) and self.confidence_model.tentative(confidence, self.threshold())
        citations = [self._citation(hit, span) for hit, span in zip(evidence.hits, evidence.quotes)]
        notices = self._notices(citations, language) if status == "answered" else []
        documents = {c.doc_id: self.documents[c.doc_id].metadata for c in citations if c.doc_id in self.documents}
        return Answer(
            question=text, language=language, status=status,
            answer=compose_answer(status, citations, documents, language, tentative=tentative),
            confidence=confidence, citations=citations, notices=notices, redacted=redaction.found,
            tentative=tentative, features=evidence.features,
        )

    def gather(self, question: str, *, method: FusionMethod | None = None) -> Evidence:
        """Retrieve and select quotes; the measurable part of answering, shared with eval."""
        question = neutral_query(question)
        with self._lock:
            query_vector = self.embedder.embed([question], kind="query")[0]
            hits = self.index.search(
                question, query_vector, k=2 * self.settings.max_citations, method=method or self.settings.fusion,
                dense_weight=self.settings.dense_weight, rrf_k=self.settings.rrf_k,
            )
            # The training questions as memory: a passage that answers a written question close to this one rises.
            support = (self.bank.support(query_vector, [h.chunk.id for h in hits]) if self.bank is not None
                       else [0.0] * len(hits))
            question_terms = set(self.index.analyzer.terms(question))
            spans = [self._best_span(hit, query_vector, question_terms, question) for hit in hits]
            # A passage whose quote shows the kind of fact asked for (a name for "hvem", a date for "hvornår")
            # goes before an equally close one that does not.
            order = sorted(range(len(hits)), key=lambda i: -(
                hits[i].score + self.settings.bank_rank_weight * support[i] - ANSWER_KIND_PENALTY * _answer_kind_missing(
                    question, hits[i].chunk.text[spans[i][0][0]:spans[i][0][1]], hits[i].chunk.text)))
            order = order[:self.settings.max_citations]
            hits = [hits[i] for i in order]
            quotes = [spans[i][0] for i in order]
            sentence_scores = [spans[i][1] for i in order]
            features = self._features(question, question_terms, hits, quotes, sentence_scores)
            if hits:
                features["dense_standout"] = self.index.standout(query_vector)
            if hits and self.bank is not None:
                features.update(self.bank.features(query_vector, hits[0].chunk.id))
        return Evidence(hits=hits, quotes=quotes, features=features)

    def _best_span(self, hit: Hit, query_vector: np.ndarray, question_terms: set[str],
                   question: str) -> tuple[tuple[int, int], float]:
        """The sentences of a chunk that answer best: one sentence or two neighbours (a question's words are often
        split over two: "…modtage jeres høringssvar…" / "Svaret sendes til …"), widened to complete a list or table."""
        sentences = self.index.sentences_of(hit.position)
        text = hit.chunk.text
        if not sentences:
            return (0, len(text)), hit.dense
        cosines = [float(vector @ query_vector) for _, vector in sentences]
        tags = (self.bank.sentence_support(query_vector, hit.chunk.id, [text[s.start:s.end] for s, _ in sentences])
                if self.bank is not None and self.settings.bank_quote_weight else [0.0] * len(sentences))

        # A table row is read with its header: "2013" in the header and "Skoleskulkerklasser" in a row answer together.
        header = text[:text.find("\n")] + "\n" if "\t" in text and "\n" in text else ""

        def score(first: int, last: int) -> float:
            window = text[sentences[first][0].start:sentences[last][0].end]
            overlap = len(set(self.index.analyzer.terms(header + window)) & question_terms) / max(len(question_terms), 1)
            return (float(np.mean(cosines[first:last + 1])) + TERM_OVERLAP_WEIGHT * overlap
                    + self.settings.bank_quote_weight * max(tags[first:last + 1])
                    - ANSWER_KIND_PENALTY * _answer_kind_missing(question, window, window))

        windows = [(i, i) for i in range(len(sentences))] + [(i, i + 1) for i in range(len(sentences) - 1)]
        scored = [(score(first, last), first, last) for first, last in windows]
        best_score, first, last = max(scored, key=lambda item: (item[0], -(item[2] - item[1])))
        if "\t" in text and first > 0:
            first = 0  # a table row is quoted with its header
        elif text[sentences[last][0].start:sentences[last][0].end].rstrip().endswith(":"):
            # a lead-in quoted with its list
            ends_items = all("\n" in text[s.end:s.end + 2] for s, _ in sentences[last:-1])
            last = len(sentences) - 1 if ends_items else min(last + 1, len(sentences) - 1)
        elif last + 1 < len(sentences) and _completes(sentences[last + 1][0]):
            last += 1
        return (sentences[first][0].start, sentences[last][0].end), best_score

    def _features(self, question: str, question_terms: set[str], hits: list[Hit], quotes: list[tuple[int, int]],
                  sentence_scores: list[float]) -> dict[str, float]:
        if not hits:
            return {}
        top = hits[0]
        dense_sorted = sorted((h.dense for h in hits), reverse=True)
        chunk_terms = set(self.index.analyzer.terms(top.chunk.embedding_text))
        quote_text = top.chunk.text[quotes[0][0]:quotes[0][1]]
        quote_terms = set(self.index.analyzer.terms(quote_text))
        numbers = set(_NUMBER.findall(question))
        missing = sum(1 for n in numbers if n not in top.chunk.text)
        features = {
            "dense_top1": top.dense,
            "dense_margin": (dense_sorted[0] - dense_sorted[1]) if len(dense_sorted) > 1 else 0.0,
            "lexical_top1": float(np.log1p(top.lexical)),
            "agreement": 1.0 if top.dense_rank <= 3 and top.lexical_rank <= 3 else (0.5 if min(top.dense_rank, top.lexical_rank) == 1 else 0.0),
            "sentence_cosine": sentence_scores[0],
            "term_coverage": len(question_terms & chunk_terms) / max(len(question_terms), 1),
            "quote_term_coverage": len(question_terms & quote_terms) / max(len(question_terms), 1),
            "missing_numbers": float(missing > 0),
            # Words no document uses ("boligstøtte", "blanket") point outside the corpus; measured for every
            # question (an English question's words are mostly unknown to the Danish vocabulary, so the confidence
            # fit decides whether these speak at all).
            "unknown_terms": 1.0 - self.index.lexical.known_share(question),
            "rare_term_coverage": self._rare_term_coverage(question_terms, chunk_terms),
            "answer_kind_missing": _answer_kind_missing(question, quote_text, top.chunk.text),
        }
        features.update(word_alignment(question, top.chunk.text, quotes[0], self.tokens, self.index.analyzer))
        return features

    def _rare_term_coverage(self, question_terms: set[str], chunk_terms: set[str]) -> float:
        """Share of the question's known terms, weighted by rarity (IDF), that the top passage contains."""
        frequency = self.index.lexical.document_frequency
        known = [t for t in question_terms if t in frequency]
        if not known:
            return 0.0
        weights = {t: math.log(1 + self.index.lexical.size / frequency[t]) for t in known}
        return sum(w for t, w in weights.items() if t in chunk_terms) / sum(weights.values())

    def _citation(self, hit: Hit, span: tuple[int, int]) -> Citation:
        document = self.documents.get(hit.chunk.doc_id)
        metadata = document.metadata if document else DocumentMetadata(title=hit.chunk.doc_id)
        return Citation(
            doc_id=hit.chunk.doc_id, title=metadata.title, date=metadata.date,
            section=" › ".join(hit.chunk.section[1:]) or metadata.title, text=hit.chunk.text,
            quote=hit.chunk.text[span[0]:span[1]], score=hit.score, chunk_id=hit.chunk.id,
            start=hit.chunk.start, end=hit.chunk.end, doc_type=metadata.doc_type,
        )

    def _notices(self, citations: list[Citation], language: Language) -> list[str]:
        """Validity: the source's age, and a newer document on the same subject among the retrieved ones."""
        notices: list[str] = []
        first = citations[0]
        today = date.fromisoformat(self.settings.today) if self.settings.today else date.today()
        if first.date:
            age = today.year - int(first.date[:4])
            if age > self.settings.max_source_age_years:
                notices.append(
                    f"Kilden er fra {format_date(first.date, 'da')} og mere end {self.settings.max_source_age_years} år gammel: tjek om den stadig gælder."
                    if language == "da" else
                    f"The source is from {format_date(first.date, 'en')}, more than {self.settings.max_source_age_years} years old: check that it still applies."
                )
            newer = [c for c in citations[1:] if c.date and c.date[:4] > first.date[:4] and c.doc_id != first.doc_id
                     and c.score >= 0.8 * first.score]
            if newer:
                c = newer[0]
                notices.append(
                    f"Der findes et nyere dokument om samme emne: {c.title} ({format_date(c.date, 'da')})."
                    if language == "da" else f"A newer document on the same subject exists: {c.title} ({format_date(c.date, 'en')})."
                )
        return notices

    # ------------------------------------------------------------------ growing the corpus

    def add_document(self, path: Path) -> Document:
        """Ingest a new document file and add it to the index without re-embedding anything else."""
        with self._lock:
            ingested = self.corpus.add_file(path)
            return self._index_new(ingested)

    def preview_best_practice(self, question: str, answer: str, adviser_role: str, published_on: date,
                              requisition_number: str, sources: Sequence[tuple[str, str, str]] = ()) -> str:
        """The text `publish_best_practice` would index for these arguments, as the document viewer shows it."""
        body, metadata = best_practice.compose(question, answer, adviser_role, published_on, requisition_number,
                                               self._titled(sources))
        return best_practice.document_text(body, metadata)

    def publish_best_practice(self, question: str, answer: str, adviser_role: str, published_on: date,
                              requisition_number: str, sources: Sequence[tuple[str, str, str]] = ()) -> str:
        """Make a task-force answer a dated corpus document (role, never a name) and index it incrementally.

        `sources` are the (doc_id, section, quote) the answer cites. Idempotent per requisition number: called again
        (a retry after a crash), it returns the same doc_id."""
        body, metadata = best_practice.compose(question, answer, adviser_role, published_on, requisition_number,
                                               self._titled(sources))
        self._reload_if_changed()  # another worker may have published it already
        with self._lock:
            ingested = self.corpus.add_text(f"taskforce-{requisition_number}", body, metadata)  # idempotent
            if ingested.document.doc_id in self.documents:
                return ingested.document.doc_id
            return self._index_new(ingested).doc_id

    def best_practice_document(self, question: str, answer: str, adviser_role: str, published_on: date,
                               requisition_number: str, sources: Sequence[tuple[str, str, str]] = ()) -> WrittenDocument:
        """The document `publish_best_practice` writes for these arguments, as stored (for the shared corpus)."""
        body, metadata = best_practice.compose(question, answer, adviser_role, published_on, requisition_number,
                                               self._titled(sources))
        doc_id = safe_doc_id(f"taskforce-{requisition_number}")
        return WrittenDocument(doc_id, f"{doc_id}.txt", body, asdict(metadata))

    def reload_corpus(self) -> bool:
        """The added documents changed on disk (the shared corpus was fetched): ingest again and index the
        difference, embedding only new chunks. False when the corpus was already what is indexed."""
        from index.builder import build_index

        with self._lock:
            ingested = self.corpus.load()
            fingerprint = corpus_fingerprint(ingested)
            if self.index.manifest and self.index.manifest.corpus_hash == fingerprint:
                return False
            self.index = build_index(self.settings, self.embedder, self.model_checksum, ingested, fingerprint,
                                     reuse=self.index)
            self.ingested = {item.document.doc_id: item for item in ingested}
            self.documents = {doc_id: item.document for doc_id, item in self.ingested.items()}
            self._manifest_mtime = _mtime(self.settings.index_dir / "manifest.json")
            self._remember_published_questions()
            return True

    def withdraw_best_practice(self, doc_id: str) -> bool:
        """Unpublish: remove a published answer from the corpus and the index (no other chunk is embedded again).

        The index is saved the way publishing saves it, so every other worker sees its manifest change before its
        next question and reloads without the document. Idempotent: False when it was already gone."""
        from index.builder import build_index

        self._reload_if_changed()
        with self._lock:
            removed = self.corpus.remove_written(doc_id, best_practice.DOC_TYPE)
            if doc_id not in self.ingested:
                return removed
            del self.ingested[doc_id]
            del self.documents[doc_id]
            remaining = list(self.ingested.values())
            self.index = build_index(self.settings, self.embedder, self.model_checksum, remaining,
                                     corpus_fingerprint(remaining), reuse=self.index)
            self._manifest_mtime = _mtime(self.settings.index_dir / "manifest.json")
            log.info("withdrew %s from the corpus and the index", doc_id)
            return True

    def _titled(self, sources: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """(doc_id, section, quote) → (document title, section, quote), for the published answer's source list."""
        titled = []
        for doc_id, section, quote in sources:
            document = self.documents.get(doc_id)
            titled.append((document.metadata.title if document else doc_id, section, quote))
        return titled

    def _index_new(self, ingested: IngestedDocument) -> Document:
        self.ingested[ingested.document.doc_id] = ingested
        self.documents[ingested.document.doc_id] = ingested.document
        fingerprint = corpus_fingerprint(list(self.ingested.values()))
        added = self.index.add(ingested.chunks, self.embedder, corpus_hash=fingerprint)
        self.index.save(self.settings.index_dir)
        self._manifest_mtime = _mtime(self.settings.index_dir / "manifest.json")
        log.info("indexed %s: %d new chunks embedded", ingested.document.doc_id, added)
        self._remember_published_questions()
        return ingested.document

    def _remember_published_questions(self) -> None:
        """Put each published answer's question in the question bank, so re-asking it finds its answer as surely
        as a training question finds its passage (a published answer has no training questions of its own)."""
        if self.bank is None:
            return
        new = [c for item in self.ingested.values() for c in item.chunks
               if c.context and c.id not in self._bank_questions]
        if not new:
            return
        vectors = self.embedder.embed([neutral_query(c.context) for c in new], kind="query")
        self.bank = self.bank.with_questions(vectors, [c.id for c in new], [(c.text,) for c in new])
        self._bank_questions.update(c.id for c in new)

    def index_problems(self) -> list[str]:
        """What is wrong with the index on disk (missing, changed files), for readiness; hashes only after a change."""
        directory = self.settings.index_dir
        try:
            signature = tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                                     for p in directory.rglob("*") if p.is_file()))
        except OSError as exc:
            return [f"the index at {directory} is unreadable: {exc}"]
        if signature == self._verified_files:
            return []
        try:
            problems = checksum_problems(directory)
        except (IndexMissing, IndexMismatch) as exc:
            return [str(exc)]
        if not problems:
            self._verified_files = signature
        return problems

    def check_index(self) -> None:
        """Refuse to serve over a damaged index, as loading it would: a worker forked from a loaded parent checks the
        files again before it serves (bot/channels/server.py)."""
        problems = self.index_problems()
        if problems:
            raise IndexMismatch(f"The index at {self.settings.index_dir} is damaged ({'; '.join(problems[:3])}): "
                                "run `vejviser index build`.")

    def _reload_if_changed(self) -> None:
        """Another worker published a document: pick up its index (a stat per question, nothing more)."""
        mtime = _mtime(self.settings.index_dir / "manifest.json")
        if mtime is None or mtime == self._manifest_mtime:
            return
        with self._lock:
            manifest = read_manifest(self.settings.index_dir)
            if self.index.manifest and manifest.corpus_hash == self.index.manifest.corpus_hash:
                self._manifest_mtime = mtime
                return
            try:
                ingested = self.corpus.load()
                self.index = HybridIndex.load(self.settings.index_dir, model_id=self.embedder.model_id,
                                              model_checksum=self.model_checksum, corpus_hash=corpus_fingerprint(ingested))
                self.ingested = {item.document.doc_id: item for item in ingested}
                self.documents = {doc_id: item.document for doc_id, item in self.ingested.items()}
                self._manifest_mtime = mtime
                self._remember_published_questions()
            except (IndexMismatch, IndexMissing, OSError) as exc:  # mid-write by another worker: next question retries
                log.warning("index changed on disk but could not be reloaded yet: %s", exc)


def validate_question(question: object, max_chars: int) -> str:
    """The question as clean text, or InvalidQuestion saying what to send instead."""
    if isinstance(question, bytes):
        try:
            question = question.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidQuestion("The question is not valid UTF-8 text; send it as plain text.", key="question_bytes") from exc
    if not isinstance(question, str):
        raise InvalidQuestion("The question must be text.", key="question_type")
    text = " ".join(strip_controls(question.replace("\x00", " ")).split())
    if not text:
        raise InvalidQuestion("The question is empty; write what you want to know.", key="question_empty")
    if len(text) > max_chars:
        raise InvalidQuestion(f"The question is {len(text)} characters; keep it under {max_chars} (one question at a time).", key="question_long", length=len(text), max=max_chars)
    return text


def _mtime(path: Path) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _answer_kind_missing(question: str, quote: str, passage: str) -> float:
    """1 when the question asks for a figure, date or person that neither quote nor passage shows; 0.5 quote only."""
    asked = [kind for kind, pattern in _ASKS.items() if pattern.search(question)]
    if not asked:
        return 0.0
    if all(_LOOKS[kind].search(quote) for kind in asked):
        return 0.0
    return 0.5 if all(_LOOKS[kind].search(passage) for kind in asked) else 1.0


def _completes(sentence: Sentence) -> bool:
    """A short sentence right after the best one usually finishes its statement ("Svaret sendes til …")."""
    return sentence.end - sentence.start <= SHORT_SENTENCE_CHARS
