"""The gold set is usable: every evidence phrase is in the corpus, splits and shares are as the eval needs."""

from __future__ import annotations

from eval.quality import gold_check


def test_gold_check_passes(capsys) -> None:  # type: ignore[no-untyped-def]
    status = gold_check.main()
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    assert "OK: all gold checks passed" in out
