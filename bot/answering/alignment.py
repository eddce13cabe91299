"""Word-by-word check of a question against a passage: does every key word of the question have a counterpart?

An in-domain question the documents do not answer usually shares its topic with the closest passage but has one
word the passage never speaks to ("anonym", "kurser", "2013", "criteria"). Sentence vectors average that word
away; contextual token vectors keep it. Each content word of the question is matched to its most similar token
in the passage (cosine of the model's own token vectors, so an English word can find its Danish counterpart), and
the weakest and the average match become confidence features.
"""

from __future__ import annotations

import numpy as np

from index.embedder import TokenEncoder
from index.lexical import Analyzer


def word_alignment(question: str, passage: str, quote: tuple[int, int], encoder: object,
                   analyzer: Analyzer) -> dict[str, float]:
    """Features `alignment_min`, `alignment_mean` (against the quote) and `chunk_alignment_min` (whole passage);
    empty when the embedder cannot show token vectors or the question has no content words."""
    if not isinstance(encoder, TokenEncoder):
        return {}
    words = analyzer.content_words(question)
    if not words:
        return {}
    question_spans, question_vectors = encoder.token_vectors(question, kind="query")
    passage_spans, passage_vectors = encoder.token_vectors(passage, kind="passage")
    in_quote = [i for i, (start, end) in enumerate(passage_spans) if start >= quote[0] and end <= quote[1]]
    if not in_quote or not len(question_spans):
        return {}
    word_vectors = []
    for start, end in words:
        tokens = [i for i, (a, b) in enumerate(question_spans) if a < end and b > start]
        if tokens:
            vector = question_vectors[tokens].mean(axis=0)
            word_vectors.append(vector / (np.linalg.norm(vector) or 1.0))
    if not word_vectors:
        return {}
    similarity = np.stack(word_vectors) @ passage_vectors.T  # words × passage tokens
    to_quote = similarity[:, in_quote].max(axis=1)
    return {
        "alignment_min": float(to_quote.min()),
        "alignment_mean": float(to_quote.mean()),
        "chunk_alignment_min": float(similarity.max(axis=1).min()),
    }
