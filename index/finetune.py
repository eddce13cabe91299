"""Adapting the embedding model to the five documents: a LoRA adapter trained on the written training questions.

The converted multilingual-e5-small reaches the right Danish passage for an English question far less often than
for a Danish one. Trained with sentence-transformers' own API (MultipleNegativesRankingLoss: in-batch negatives
plus one mined hard negative per question, the "query: "/"passage: " prompts kept) on questions written from
the documents, the model learns this corpus's vocabulary in both languages. peft is applied to the underlying
BertModel (the installed transformers wants a newer peft than the registry serves for sentence-transformers' own
adapter route) and merged into the weights at install time, so answering costs nothing extra.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import numpy as np

from corpus.document import Chunk
from index.training_set import TrainingQuestion, answering_chunk, holdout_ids, normalise_space

log = logging.getLogger(__name__)

ADAPTER_DIR = Path(__file__).resolve().parent / "adapter"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "adapter_config.json"
TRAINING_REPORT = "training.json"
# Every linear layer of every encoder block; the embeddings (96 M of the model's 118 M weights) stay frozen.
TARGET_MODULES = r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"
PROMPTS = {"anchor": "query: ", "positive": "passage: ", "negative": "passage: "}


@dataclass(frozen=True)
class TrainingOptions:
    """What a training run depends on besides its data; recorded with the adapter so a run can be repeated."""

    seed: int = 13
    epochs: float = 1.0
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    learning_rate: float = 3e-4
    batch_size: int = 32
    max_seq_length: int = 160
    full: bool = False  # train every encoder weight instead of a LoRA adapter (the comparison run)


@dataclass(frozen=True)
class Example:
    """One training triple: a question, the text that answers it, a close text that does not."""

    anchor: str
    positive: str
    negative: str
    kind: str = "passage"  # or "sentence": the evidence sentence against the closest sentence of the negative


def examples_for(questions: Sequence[TrainingQuestion], chunks: Sequence[Chunk], sentences: Sequence[Sequence[str]],
                 passage_vectors: np.ndarray, sentence_vectors: Sequence[np.ndarray], question_vectors: np.ndarray,
                 ) -> list[Example]:
    """Two triples per answerable question (its passage, and its evidence sentence), each with the hard negative
    the base model ranks highest among passages (or sentences) that do not answer."""
    examples: list[Example] = []
    for question, vector in zip(questions, question_vectors):
        position = answering_chunk(question, chunks)
        if position is None:
            continue
        best_sentence = np.array([float(np.max(v @ vector)) if len(v) else -1.0 for v in sentence_vectors])
        scores = 0.5 * (passage_vectors @ vector) + 0.5 * best_sentence
        scores[position] = -np.inf
        negative = int(np.argmax(scores))
        examples.append(Example(question.question, chunks[position].embedding_text, chunks[negative].embedding_text))
        evidence = normalise_space(question.evidence[0])
        own = [s for s in sentences[position] if evidence in normalise_space(s) or normalise_space(s) in evidence]
        others = [(float(v @ vector), text) for v, text in zip(sentence_vectors[negative], sentences[negative])]
        if own and others:
            examples.append(Example(question.question, own[0], max(others)[1], kind="sentence"))
    return examples


def train_adapter(base: Path, examples: Sequence[Example], out: Path, options: TrainingOptions) -> dict[str, object]:
    """Train on `examples` from the model folder `base`; write the adapter (or full weights) to `out`.

    Returns the run's report (also written to `out/training.json`): options, counts, seconds."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers, MultiDatasetBatchSamplers
    from transformers import set_seed

    random.seed(options.seed)
    np.random.seed(options.seed)
    set_seed(options.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    model.max_seq_length = options.max_seq_length
    transformer = model[0]
    bert = cast(torch.nn.Module, transformer.auto_model)
    for name, parameter in bert.named_parameters():
        parameter.requires_grad = options.full and not name.startswith(("embeddings.", "pooler."))
    adapter = None
    if not options.full:
        config = LoraConfig(r=options.rank, lora_alpha=options.alpha, lora_dropout=options.dropout,
                            target_modules=TARGET_MODULES, bias="none")
        adapter = get_peft_model(bert, config)
        transformer.model = adapter  # `auto_model` is a read-only view of `model`
    trained = cast(torch.nn.Module, transformer.model)
    trainable = sum(p.numel() for p in trained.parameters() if p.requires_grad)
    rows = list(examples)
    random.Random(options.seed).shuffle(rows)
    # Passage triples and sentence triples in batches of their own: a batch is padded to its longest text, and a
    # sentence batch costs a quarter of a passage batch when no passage sits in it.
    kinds = {"passages": [r for r in rows if r.kind == "passage"], "sentences": [r for r in rows if r.kind == "sentence"]}
    datasets = {name: Dataset.from_dict({"anchor": [r.anchor for r in part], "positive": [r.positive for r in part],
                                         "negative": [r.negative for r in part]})
                for name, part in kinds.items() if part}
    out.mkdir(parents=True, exist_ok=True)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / ".trainer"), num_train_epochs=options.epochs,
        per_device_train_batch_size=options.batch_size, learning_rate=options.learning_rate, warmup_ratio=0.1,
        seed=options.seed, data_seed=options.seed, batch_sampler=BatchSamplers.NO_DUPLICATES, prompts=PROMPTS,
        multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
        logging_steps=10, save_strategy="no", report_to="none", use_cpu=True, dataloader_num_workers=0,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=datasets,
                                         loss=MultipleNegativesRankingLoss(model))
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    if adapter is None:
        from safetensors.torch import save_file

        state = {k: v.detach().to(torch.float16).contiguous() for k, v in bert.state_dict().items()
                 if k.startswith("encoder.")}
        save_file(state, str(out / "encoder_fp16.safetensors"))
    else:
        adapter.save_pretrained(str(out))
    report: dict[str, object] = {
        "options": asdict(options), "examples": len(rows), "trainable_parameters": int(trainable),
        "train_seconds": round(seconds, 1), "base_weights_sha256": _sha256(base / "model.safetensors"),
        "losses": [entry["loss"] for entry in trainer.state.log_history if "loss" in entry],
    }
    if not options.full:
        report["adapter_sha256"] = _sha256(out / ADAPTER_WEIGHTS)
    (out / TRAINING_REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _remove_tree(out / ".trainer")
    return report


def training_examples(base_vectors: Callable[[list[str], str], np.ndarray], chunks: Sequence[Chunk],
                      questions: Sequence[TrainingQuestion]) -> list[Example]:
    """The triples for the answerable questions not held out, hard negatives mined with the base model."""
    from corpus.sentences import sentence_spans

    held = holdout_ids(questions)
    train = [q for q in questions if q.answerable and q.id not in held]
    sentences = [[chunk.text[s:e] for s, e in sentence_spans(chunk.text)] for chunk in chunks]
    passage_vectors = base_vectors([c.embedding_text for c in chunks], "passage")
    sentence_vectors = [base_vectors(texts, "passage") if texts else np.zeros((0, passage_vectors.shape[1]), np.float32)
                        for texts in sentences]
    question_vectors = base_vectors([q.question for q in train], "query")
    return examples_for(train, chunks, sentences, passage_vectors, sentence_vectors, question_vectors)


def publish_adapter(trained: Path, out: Path) -> None:
    """Replace `out` with the freshly trained adapter folder in one rename (an interrupted run leaves the old one)."""
    import os
    import shutil

    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(trained, out)
    shutil.rmtree(old, ignore_errors=True)


def adapter_checksum(adapter: Path = ADAPTER_DIR) -> str | None:
    """SHA-256 of the shipped adapter's weights, or None when no adapter is shipped."""
    weights = adapter / ADAPTER_WEIGHTS
    return _sha256(weights) if weights.is_file() else None


def merge_adapter(model_folder: Path, adapter: Path = ADAPTER_DIR) -> None:
    """Fold the LoRA adapter into `model_folder/model.safetensors` in place (same tensor names, float32)."""
    import torch
    from peft import PeftModel
    from safetensors.torch import save_file
    from transformers import BertModel

    base = BertModel.from_pretrained(str(model_folder), local_files_only=True, torch_dtype=torch.float32)
    merged = PeftModel.from_pretrained(base, str(adapter), local_files_only=True).merge_and_unload()
    state = {k: v.detach().contiguous() for k, v in merged.state_dict().items()}
    save_file(state, str(model_folder / "model.safetensors"), metadata={"format": "pt"})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
