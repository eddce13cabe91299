"""The adapter: trained reproducibly, merged by `vejviser model install`, recorded in the model's identity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import e5model
from index.finetune import ADAPTER_DIR, Example, TrainingOptions, adapter_checksum, train_adapter

SHIPPED = adapter_checksum(ADAPTER_DIR)
EXAMPLES = [
    Example("hvor mange rådgivere har task forcen", "Task forcen består af fire rådgivere og en koordinator.",
            "Svaret sendes til Ledelsessekretariatet."),
    Example("who receives the hearing replies", "Svaret sendes til Ledelsessekretariatet.",
            "Task forcen består af fire rådgivere og en koordinator."),
    Example("tolk til samtaler", "Der anvendes tolk ved samtaler, hvor der kan være sproglige vanskeligheder.",
            "Bydelsmødre når ud til isolerede kvinder."),
    Example("neighbourhood mothers", "Bydelsmødre når ud til isolerede kvinder.",
            "Der anvendes tolk ved samtaler, hvor der kan være sproglige vanskeligheder."),
]


@pytest.mark.skipif(SHIPPED is None, reason="no adapter shipped in index/adapter")
def test_install_merges_the_shipped_adapter(e5_model_dir: Path, e5_base_dir: Path, st_embedder, st_base_embedder) -> None:
    manifest = json.loads((e5_model_dir / e5model.MANIFEST).read_text())
    assert manifest["adapter"] == {"sha256": SHIPPED}
    assert manifest["model_id"].endswith(f"+lora-{SHIPPED[:12]}")
    assert st_embedder.checksum != st_base_embedder.checksum  # an index of one model is never read with the other
    texts = ["Hvem kan rekvirere task forcen?", "Who can requisition the task force?"]
    adapted, base = st_embedder.embed(texts, kind="query"), st_base_embedder.embed(texts, kind="query")
    assert not np.allclose(adapted, base, atol=1e-3)


def test_training_is_seeded_and_reproducible(e5_base_dir: Path, tmp_path: Path) -> None:
    # Three steps: the first is warm-up at learning rate 0, so one step alone would train nothing.
    options = TrainingOptions(seed=7, epochs=3, rank=4, batch_size=4, max_seq_length=32)
    first = train_adapter(e5_base_dir, EXAMPLES, tmp_path / "a", options)
    second = train_adapter(e5_base_dir, EXAMPLES, tmp_path / "b", options)
    assert first["adapter_sha256"] == second["adapter_sha256"]
    assert first["trainable_parameters"] > 0 and first["examples"] == len(EXAMPLES)
    from safetensors.numpy import load_file

    # LoRA starts with B = 0: a run that trained nothing would leave every B at zero.
    weights = load_file(str(tmp_path / "a" / "adapter_model.safetensors"))
    assert any(np.abs(v).max() > 0 for k, v in weights.items() if "lora_B" in k)
    report = json.loads((tmp_path / "a" / "training.json").read_text())
    assert report["options"]["seed"] == 7 and report["train_seconds"] > 0
