"""Scale corpora for the benchmark: the real chunks plus seeded recombinations of their sentences, and derived vectors.

A corpus of `size` chunks starts with every real chunk verbatim (so each gold question still has its answer) and
fills up with synthetic chunks: a real chunk's sentences, half of them swapped for sentences of the same document,
sometimes reordered, with numbers and proper names varied. The same seed gives the same chunks, and a smaller
corpus is a prefix of a larger one, so vectors embedded at one size can seed the next.

Embedding 100k chunks on 2 cores takes hours, so larger corpora may get *derived* vectors: the vector of the
chunk (or sentence) they were made from plus Gaussian noise, renormalised. The noise is calibrated so that a
derived copy lies as close to its template as embedded recombinations did (`noise_for_cosine`). The derived
vectors reach the index through `DerivedEmbedder`, an ordinary Embedder, so the build under test is the real one.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.document import Chunk
from corpus.sentences import sentence_spans
from index.embedder import Embedder, Kind

_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"(?<=[a-zæøå,] )[A-ZÆØÅ][a-zæøå]{3,}")  # a capitalised word inside a sentence
NAMES = ("Amager", "Valby", "Vanløse", "Brønshøj", "Bispebjerg", "Nørrebro", "Østerbro", "Vesterbro", "Sydhavnen",
         "Husum", "Tingbjerg", "Mette", "Jens", "Amina", "Ahmed", "Fatima", "Søren", "Karen", "Piotr", "Leila")


@dataclass
class ScaleCorpus:
    """Chunks (real ones first) and, for each synthetic text, what it was made from."""

    chunks: list[Chunk]
    real: int  # the first `real` chunks are the documents' own
    template: list[int]  # chunk position -> position of the real chunk it was made from (itself for real ones)
    sentence_source: dict[str, str] = field(default_factory=dict)  # varied sentence -> the real sentence


def sentences_of(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def scale_corpus(real_chunks: list[Chunk], size: int, seed: int = 7) -> ScaleCorpus:
    """`size` chunks: the real ones, then recombinations; deterministic in (`real_chunks`, `seed`)."""
    rng = random.Random(seed)
    chunks = list(real_chunks[:size])
    template = list(range(len(chunks)))
    corpus = ScaleCorpus(chunks, len(chunks), template)
    by_document: dict[str, list[str]] = {}
    for chunk in real_chunks:
        by_document.setdefault(chunk.doc_id, []).extend(sentences_of(chunk.text))
    parts = [sentences_of(c.text) or [c.text] for c in real_chunks]
    seen = {c.id for c in chunks}
    attempts = 0
    while len(chunks) < size:
        attempts += 1
        if attempts > 20 * size + 1000:
            raise RuntimeError(f"could not make {size} distinct chunks from {len(real_chunks)} real ones")
        origin = rng.randrange(len(real_chunks))
        base, pool = real_chunks[origin], by_document[real_chunks[origin].doc_id]
        picked = [rng.choice(pool) if rng.random() < 0.5 else s for s in parts[origin]]
        if len(picked) > 2 and rng.random() < 0.5:
            rng.shuffle(picked)
        lines = []
        for sentence in picked:
            varied = _vary(sentence, rng) if rng.random() < 0.5 else sentence
            if varied != sentence:
                corpus.sentence_source.setdefault(varied, sentence)
            lines.append(varied)
        chunk = Chunk(doc_id=base.doc_id, section=base.section, start=base.start, end=base.end, text="\n".join(lines))
        if chunk.id in seen:
            continue
        seen.add(chunk.id)
        chunks.append(chunk)
        template.append(origin)
    return corpus


def _vary(sentence: str, rng: random.Random) -> str:
    """Other numbers (same number of digits) and, now and then, another proper name."""
    def number(m: re.Match[str]) -> str:
        digits = len(m.group(0))
        return str(rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits))

    text = _NUMBER.sub(number, sentence)
    return _NAME.sub(lambda m: rng.choice(NAMES) if rng.random() < 0.3 else m.group(0), text)


def noise_for_cosine(cosine: float, dimensions: int) -> float:
    """The per-dimension noise σ that leaves a unit vector at `cosine` to itself after renormalising (in expectation)."""
    cosine = min(max(cosine, 0.05), 0.9999)
    return math.sqrt((1.0 / cosine**2 - 1.0) / dimensions)


def template_cosine(corpus: ScaleCorpus, vectors: np.ndarray) -> float:
    """Mean cosine between embedded synthetic chunks and the real chunk each was made from (NaN if none)."""
    synthetic = range(corpus.real, min(len(corpus.chunks), len(vectors)))
    if not synthetic:
        return math.nan
    rows = np.fromiter(synthetic, dtype=np.int64)
    return float(np.mean(np.sum(vectors[rows] * vectors[np.asarray(corpus.template)[rows]], axis=1)))


def sentence_cosine(corpus: ScaleCorpus, vectors: dict[str, np.ndarray]) -> float:
    """Mean cosine between embedded varied sentences and the real sentence each was made from (NaN if none)."""
    pairs = [(vectors[v], vectors[s]) for v, s in corpus.sentence_source.items() if v in vectors and s in vectors]
    return float(np.mean([a @ b for a, b in pairs])) if pairs else math.nan


def derivation_sources(corpus: ScaleCorpus) -> dict[str, tuple[str, str]]:
    """Text the index build will embed -> (the real text it was made from, "chunk" or "sentence").

    A synthetic chunk's embedding text comes from its template chunk; a varied sentence from its real sentence;
    a sentence the splitter cuts differently in the recombined text falls back to the template chunk.
    """
    sources: dict[str, tuple[str, str]] = {}
    real_sentences = {t for c in corpus.chunks[:corpus.real] for t in sentences_of(c.text)}
    for position in range(corpus.real, len(corpus.chunks)):
        chunk = corpus.chunks[position]
        template = corpus.chunks[corpus.template[position]].embedding_text
        sources[chunk.embedding_text] = (template, "chunk")
        for text in sentences_of(chunk.text):
            if text in real_sentences or text in sources:
                continue
            source = corpus.sentence_source.get(text)
            sources[text] = (source, "sentence") if source in real_sentences else (template, "chunk")
    return sources


class DerivedEmbedder:
    """The Embedder protocol over vectors already embedded: known texts get theirs, the rest a perturbed copy.

    A derived vector is its source text's vector plus Gaussian noise seeded by the text itself (so every build
    derives the same vector), renormalised; `chunk_noise` and `sentence_noise` come from `noise_for_cosine`.
    """

    def __init__(self, known: dict[str, np.ndarray], sources: dict[str, tuple[str, str]], *, model_id: str,
                 chunk_noise: float, sentence_noise: float) -> None:
        self.known, self.sources = known, sources
        self.model_id = f"{model_id}+derived"
        self.dimensions = len(next(iter(known.values())))
        self.noise = {"chunk": chunk_noise, "sentence": sentence_noise}
        self.derived = 0

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        out = np.empty((len(texts), self.dimensions), np.float32)
        for row, text in enumerate(texts):
            vector = self.known.get(text)
            if vector is None:
                source, level = self.sources[text]
                seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
                noise = np.random.default_rng(seed).normal(0.0, self.noise[level], self.dimensions)
                vector = self.known[source] + noise.astype(np.float32)
                vector = vector / np.linalg.norm(vector)
                self.derived += 1
            out[row] = vector
        return out


class RecordingEmbedder:
    """Wraps a real embedder and keeps every passage vector it made, so they can seed derived corpora."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id, self.dimensions = inner.model_id, inner.dimensions
        self.vectors: dict[str, np.ndarray] = {}
        self.seconds = 0.0  # spent inside the real embedder

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.inner.embed(texts, kind=kind)
        self.seconds += time.perf_counter() - started
        self.vectors.update(zip(texts, vectors))
        return vectors


def bench_questions(questions: Sequence[str], n: int, seed: int = 3) -> list[str]:
    """`n` questions: the given ones, then seeded variants with a caseworker's typos (a letter dropped or swapped)."""
    rng = random.Random(seed)
    out = list(questions[:n])
    while len(out) < n:
        words = rng.choice(questions).split()
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 3:
            j = rng.randrange(len(word) - 1)
            word = word[:j] + word[j + 1:] if rng.random() < 0.5 else word[:j] + word[j + 1] + word[j] + word[j + 2:]
        words[i] = word
        out.append(" ".join(words).lower() if rng.random() < 0.3 else " ".join(words))
    return out
