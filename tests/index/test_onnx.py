"""The ONNX graph that answers questions is the installed model: same vectors, tokens and spans as
sentence-transformers, never served stale, and a question is answered without importing torch."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.builder import load_query_embedder
from index.errors import ModelMissing
from index.onnx import FOLDER, GRAPH, GRAPH_DATA, GRAPH_MANIFEST, OnnxEmbedder, graph_manifest, write_external

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "Hvem skal høringssvarene om task forcen sendes til?",
    "How many advisers does the task force have?",
    "Tolk ved møder med borgere, der ikke taler dansk, bestilles i god tid. " * 3,
    "§ 5, stk. 2 — «Integrationsrådet» (2007)",
    "ord " * 700,  # longer than the model's 512 positions: truncated the same way
]


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_the_graph_embeds_as_sentence_transformers_does(onnx_embedder, st_embedder, kind: str) -> None:
    ours, theirs = onnx_embedder.embed(TEXTS, kind=kind), st_embedder.embed(TEXTS, kind=kind)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert float((ours * theirs).sum(axis=1).min()) >= 0.9999


def test_token_vectors_and_ids_match_sentence_transformers(onnx_embedder, st_embedder) -> None:
    for text in TEXTS[:4]:
        spans, vectors = onnx_embedder.token_vectors(text, kind="query")
        their_spans, their_vectors = st_embedder.token_vectors(text, kind="query")
        assert spans == their_spans
        assert float((vectors * their_vectors).sum(axis=1).min()) >= 0.9999
        assert onnx_embedder.tokenize(text, kind="passage") == st_embedder.tokenize(text, kind="passage")
    assert onnx_embedder.embed([], kind="query").shape == (0, 384)


def test_a_questions_token_vectors_from_its_embedding_run_are_those_of_a_run_of_their_own(onnx_embedder,
                                                                                            monkeypatch) -> None:
    question = TEXTS[0]
    onnx_embedder.embed([question], kind="query")  # keeps its late layer for the word alignment
    runs = []
    real_run = onnx_embedder._run
    monkeypatch.setattr(onnx_embedder, "_run", lambda *args: runs.append(args) or real_run(*args))
    reused = onnx_embedder.token_vectors(question, kind="query")
    assert runs == []  # no second model run for the same question
    monkeypatch.undo()
    onnx_embedder.embed([TEXTS[1]], kind="query")  # another question replaces it: computed afresh
    fresh = onnx_embedder.token_vectors(question, kind="query")
    assert reused[0] == fresh[0]
    assert np.array_equal(reused[1], fresh[1])
    onnx_embedder.embed([question], kind="query")
    as_passage = onnx_embedder.token_vectors(question, kind="passage")  # another prompt: never the kept query run
    assert not np.allclose(as_passage[1], reused[1], atol=1e-3)
    assert np.allclose(onnx_embedder.embed([question], kind="query"), onnx_embedder.embed([question, TEXTS[1]], kind="query")[:1],
                       atol=1e-5)


def test_the_graph_shares_the_folders_identity_so_it_queries_the_same_index(onnx_embedder, st_embedder) -> None:
    assert onnx_embedder.model_id == st_embedder.model_id
    assert onnx_embedder.checksum == st_embedder.checksum


def test_a_graph_from_another_install_is_never_served(e5_model_dir: Path, tmp_path: Path, caplog) -> None:
    copy = tmp_path / "model"
    shutil.copytree(e5_model_dir, copy)
    manifest_path = copy / FOLDER / GRAPH_MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["folder_sha256"] = "0" * 64  # as if the model was re-installed with another adapter since the export
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    assert graph_manifest(copy) is None and not OnnxEmbedder.available(copy)
    with pytest.raises(ModelMissing, match="vejviser model install"):
        OnnxEmbedder(copy).load()


def test_without_a_graph_answers_fall_back_to_sentence_transformers_with_a_warning(e5_model_dir: Path, tmp_path: Path,
                                                                                   caplog) -> None:
    from bot.core.settings import Settings

    copy = tmp_path / "model"
    shutil.copytree(e5_model_dir, copy, ignore=shutil.ignore_patterns(FOLDER))
    settings = Settings(_env_file=None, data_dir=tmp_path, model_path=copy)
    with caplog.at_level(logging.WARNING, logger="index.builder"):
        embedder, checksum = load_query_embedder(settings)
    assert type(embedder).__name__ == "SentenceTransformerEmbedder"
    assert "vejviser model install" in caplog.text
    onnx_settings = Settings(_env_file=None, data_dir=tmp_path, model_path=e5_model_dir)
    served, served_checksum = load_query_embedder(onnx_settings)
    assert isinstance(served, OnnxEmbedder) and served_checksum == checksum


@pytest.mark.quality
def test_vejviser_ask_answers_without_importing_torch(e5_model_dir: Path, real_settings, real_engine) -> None:
    """Importing torch and sentence-transformers was 6 of a cold `ask`'s 7.4 s (docs/BENCHMARKS.md)."""
    script = (
        "import sys\n"
        "from bot.answering.engine import AnswerEngine\n"
        "from bot.core.settings import Settings\n"
        f"engine = AnswerEngine.load(Settings(_env_file=None, data_dir={str(real_settings.data_dir)!r}, "
        f"model_path={str(e5_model_dir)!r}, today={str(real_settings.today)!r}), build_if_missing=False)\n"
        "answer = engine.ask('Hvem skal høringssvarene om task forcen sendes til?')\n"
        "print(answer.status, answer.citations[0].doc_id, round(answer.confidence, 3))\n"
    )
    answered, imported = fresh_python(script).splitlines()[-2:]
    here = real_engine.ask("Hvem skal høringssvarene om task forcen sendes til?")
    assert answered == f"{here.status} {here.citations[0].doc_id} {round(here.confidence, 3)}"
    assert imported == "[]"


def test_importing_the_service_and_its_doors_imports_no_torch() -> None:
    """Nothing heavy at import: the server, the doors and the command line load torch only when they build or train."""
    imported = fresh_python("import bot.channels.cli.main, bot.services, bot.channels.web.app, bot.channels.server, bot.channels.telegram.app\n")
    assert imported.splitlines()[-1] == "[]"


def fresh_python(script: str) -> str:
    """Run `script` in a new interpreter without Vejviser's settings; its output, then the heavy modules it imported."""
    heavy = "import sys\nprint(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VEJVISER_")} | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script + heavy], env=environment, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()



def test_the_exported_weights_sit_beside_the_graph_and_answer_the_same(tmp_path: Path) -> None:
    """onnxruntime maps weights kept in a file beside the graph instead of copying them (docs/BENCHMARKS.md: memory)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(3).standard_normal((64, 32)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "tiny",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32])],
                              [numpy_helper.from_array(weights, "w")])
    inline = tmp_path / "inline.onnx"
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(inline))
    out = tmp_path / "out"
    out.mkdir()

    written = write_external(inline, out)
    assert sorted(p.name for p in out.iterdir()) == sorted([GRAPH, GRAPH_DATA])
    assert (out / GRAPH_DATA).stat().st_size >= weights.nbytes > written.stat().st_size
    x = np.ones((1, 64), np.float32)
    (expected,) = ort.InferenceSession(str(inline), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    (got,) = ort.InferenceSession(str(written), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    assert np.array_equal(got, expected)
