"""The installed model as one ONNX graph run by onnxruntime: queries are answered without importing torch.

Importing torch and sentence-transformers is most of a cold `vejviser ask` and of a worker's start-up (6.1 of 7.4 s
profiled, docs/BENCHMARKS.md), and the weights are the same either way, so serving runs the exported graph while
building the index and training stay with sentence-transformers.  :func:`export_onnx` writes the graph into the
model folder at install time (``onnx/model.onnx``, fp32, opset 17, its weights mapped from ``onnx/model.onnx.data``) with two outputs: the mean-pooled last layer
(what sentence-transformers' Pooling module returns) and the late layer the word alignment reads.  The graph's
manifest records the model folder's checksum, so a re-installed model is never served by a stale graph.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.e5model import _check_kind as _prompt
from index.e5model import _unit_rows, read_manifest
from index.embedder import Kind
from index.errors import ModelMissing

log = logging.getLogger(__name__)

FOLDER = "onnx"
GRAPH = "model.onnx"
# The weights beside the graph, not inside it: onnxruntime then maps the file instead of copying it into its own
# memory (measured on this model: session load 2.3 -> 0.2 s, RSS 512 -> 140 MiB), and every worker maps the same
# pages of the page cache, so several workers share the weights.
GRAPH_DATA = "model.onnx.data"
GRAPH_MANIFEST = "vejviser-onnx.json"
OPSET = 17
MAX_TOKENS = 512  # the model's positions, as sentence-transformers truncates
NOT_EXPORTED = "the model's ONNX graph is missing or stale: run `vejviser model install`"


def late_layer(layers: int) -> int:
    """The hidden state the word alignment reads: 5/6 of the way up (word identity and context both still there;
    the last layer is shaped for mean pooling)."""
    return round(layers * 5 / 6)


def graph_manifest(model_folder: Path) -> dict[str, Any] | None:
    """The graph's manifest when the graph exists and was exported from the folder as installed now, else None."""
    model = read_manifest(model_folder)
    try:
        manifest = json.loads((model_folder / FOLDER / GRAPH_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if model is None or manifest.get("folder_sha256") != model["folder_sha256"] \
            or not (model_folder / FOLDER / GRAPH).is_file():
        return None
    return dict(manifest)


def export_onnx(model_folder: Path, *, force: bool = False) -> Path:
    """Export the installed folder's weights to ``onnx/model.onnx`` once per installed checksum (needs torch)."""
    model = read_manifest(model_folder)
    if model is None:
        raise ModelMissing("the embedding model is not installed: run `vejviser model install`")
    target = model_folder / FOLDER
    if not force and graph_manifest(model_folder) is not None:
        return target / GRAPH
    import torch
    from transformers import AutoModel

    os.environ["HF_HUB_OFFLINE"] = "1"
    bert = AutoModel.from_pretrained(str(model_folder), local_files_only=True).eval()
    layer = late_layer(int(bert.config.num_hidden_layers))

    class Outputs(torch.nn.Module):
        """Mean-pooled last layer (sentence-transformers' Pooling, mean over the attention mask) and the late layer."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            states = self.bert(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True).hidden_states
            mask = attention_mask.unsqueeze(-1).to(states[-1].dtype)
            pooled = (states[-1] * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return pooled, states[layer]

    target.mkdir(parents=True, exist_ok=True)
    partial = target / (GRAPH + ".partial")
    ids = torch.ones(2, 16, dtype=torch.long)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Outputs(), (ids, torch.ones_like(ids)), str(partial), input_names=["input_ids", "attention_mask"],
            output_names=["embedding", "late"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "embedding": {0: "batch"}, "late": {0: "batch", 1: "tokens"}},
        )
    write_external(partial, target)
    partial.unlink()
    manifest_partial = target / (GRAPH_MANIFEST + ".partial")
    manifest_partial.write_text(json.dumps({
        "folder_sha256": model["folder_sha256"], "model_id": model["model_id"], "opset": OPSET,
        "late_layer": layer, "torch": torch.__version__,
    }, indent=2) + "\n", encoding="utf-8")
    os.replace(manifest_partial, target / GRAPH_MANIFEST)  # written last: a graph without it is never used
    return target / GRAPH


def write_external(graph: Path, target: Path) -> Path:
    """Write `graph` as ``target/model.onnx`` with its weights in ``target/model.onnx.data`` (mapped, not copied).

    Each file is written aside and moved into place, the data first: a running worker keeps the pages it mapped.
    """
    import tempfile

    import onnx

    model = onnx.load(str(graph))
    with tempfile.TemporaryDirectory(dir=target, prefix=".export-") as scratch:
        onnx.save_model(model, str(Path(scratch) / GRAPH), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=GRAPH_DATA, size_threshold=1024)
        for name in (GRAPH_DATA, GRAPH):
            (Path(scratch) / name).chmod(0o644)
            os.replace(Path(scratch) / name, target / name)
    return target / GRAPH


class OnnxEmbedder:
    """The installed model's exported graph in onnxruntime, behind the Embedder and TokenEncoder protocols.

    Same model id and checksum as the sentence-transformers folder it was exported from (same weights; vectors
    agree to cosine ≥ 0.9999, tests/index/test_onnx.py), so it queries an index built by sentence-transformers.
    """

    def __init__(self, model_folder: Path, *, threads: int = 1, batch_size: int = 32, graph: Path | None = None) -> None:
        self.path = Path(model_folder)
        self.graph = graph  # another graph of the same weights (the benchmark's int8 copy); default the installed one
        self.threads = threads
        self.batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None
        self._manifest: dict[str, Any] | None = None
        self._last_query: tuple[str, Any, np.ndarray] | None = None  # the last single question embedded, with its late layer

    @staticmethod
    def available(model_folder: Path) -> bool:
        """Whether the folder holds a current graph (else serving falls back to sentence-transformers)."""
        return graph_manifest(Path(model_folder)) is not None

    def _model_manifest(self) -> dict[str, Any]:
        manifest = read_manifest(self.path)
        if manifest is None:
            raise ModelMissing("the embedding model is not installed: run `vejviser model install`")
        return manifest

    @property
    def model_id(self) -> str:
        return str(self._model_manifest()["model_id"])

    @property
    def checksum(self) -> str:
        """The model folder's checksum (the index manifest records it; the graph holds the same weights)."""
        return str(self._model_manifest()["folder_sha256"])

    @property
    def dimensions(self) -> int:
        return int(self._model_manifest()["dimensions"])

    @property
    def loaded(self) -> bool:
        """Whether the graph is in memory (readiness: a worker answers without loading first)."""
        return self._session is not None

    def load(self) -> OnnxEmbedder:
        """Open the graph and the tokenizer once; refuses a missing or stale graph with what to run."""
        if self._session is None:
            manifest = graph_manifest(self.path)
            if manifest is None:
                raise ModelMissing(NOT_EXPORTED)
            import onnxruntime as ort
            from tokenizers import Tokenizer

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings about unused initialisers are noise on every start
            tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.no_padding()
            self._tokenizer = tokenizer
            self._manifest = manifest
            self._session = ort.InferenceSession(str(self.graph or self.path / FOLDER / GRAPH), options,
                                                 providers=["CPUExecutionProvider"])
            if self.graph is None and not (self.path / FOLDER / GRAPH_DATA).is_file():
                log.info("the ONNX graph holds its weights inline (copied into each process); "
                         "`vejviser model install --force` re-exports it with mapped weights")
        return self

    def _run(self, texts: list[str], outputs: Sequence[str]) -> tuple[list[Any], list[np.ndarray]]:
        encoded = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(texts), width), np.int64)
        mask = np.zeros((len(texts), width), np.int64)
        for row, item in enumerate(encoded):
            ids[row, :len(item.ids)] = item.ids
            mask[row, :len(item.ids)] = 1
        results = self._session.run(list(outputs), {"input_ids": ids, "attention_mask": mask})
        return encoded, [np.asarray(result, dtype=np.float32) for result in results]

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        prompt = _prompt(kind)
        self.load()
        if kind == "query" and len(texts) == 1:
            # One question: its late layer comes from the same run, for the word alignment that follows (~20 ms).
            encoded, (embedding, late) = self._run([prompt + texts[0]], ("embedding", "late"))
            self._last_query = (texts[0], encoded[0], late[0])
            return _unit_rows(embedding, 1, self.dimensions)
        texts = [prompt + text for text in texts]
        out = np.zeros((len(texts), self.dimensions), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # like sentence-transformers: less padding
        for start in range(0, len(texts), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = self._run([texts[i] for i in rows], ("embedding",))[1][0]
        return _unit_rows(out, len(texts), self.dimensions)

    def token_vectors(self, text: str, *, kind: Kind) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Contextual token vectors from the late layer, with each token's character span in ``text``."""
        prompt = _prompt(kind)
        self.load()
        last = self._last_query  # one read: another thread may replace it meanwhile
        if kind == "query" and last is not None and last[0] == text:
            encoding, late = last[1], last[2]
        else:
            encoded, (layer,) = self._run([prompt + text], ("late",))
            encoding, late = encoded[0], layer[0]
        offsets = encoding.offsets
        keep = [i for i, (start, end) in enumerate(offsets) if end > start and start >= len(prompt)]
        spans = [(offsets[i][0] - len(prompt), offsets[i][1] - len(prompt)) for i in keep]
        return spans, _unit_rows(late[keep], len(keep), late.shape[1])

    def tokenize(self, text: str, *, kind: Kind) -> list[int]:
        """The token ids the model sees for ``text`` as a query or passage (``<s>`` and ``</s>`` included)."""
        prompt = _prompt(kind)
        self.load()
        return [int(i) for i in self._tokenizer.encode(prompt + text).ids]

