"""Crash safety: a writer killed with SIGKILL at random moments never loses or corrupts an acknowledged requisition.

The experiment lives in scripts/durability.py (run it with --cycles 2000 for a longer soak).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "durability.py"
CYCLES = 200


def _durability_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("vejviser_durability", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(sys.platform == "win32", reason="uses fork and SIGKILL")
def test_acknowledged_requisitions_survive_sigkill(database_url: str) -> None:
    durability = _durability_module()
    result = durability.run(database_url, CYCLES, seed=7)
    print(f"durability {result.backend}: {result.cycles} kills, {result.acknowledged} acknowledged, "
          f"{result.rows} rows, {result.seconds} s")
    assert result.missing == [] and result.altered == [] and result.problems == []
    # The kills must land while the child is working, not only before its first commit.
    assert result.acknowledged >= CYCLES // 5
    assert result.rows >= result.acknowledged
