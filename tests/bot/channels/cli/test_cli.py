"""`vejviser ask`: the JSON contract other tools depend on, batches, and refusals of unusable input.

The contract and the refusals run the installed console script as a user would; batch mechanics call
`bot.channels.cli.main.main` in-process with the hashing embedder, where counting engine loads is possible and fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answering.engine import AnswerEngine
from bot.channels.cli.main import main
from bot.core.settings import Settings
from index.embedder import HashingEmbedder

CONTRACT = {"question", "language", "status", "answer", "confidence", "citations"}
CITATION = {"doc_id", "title", "date", "section", "text", "quote", "score"}
HEADLINE = "Hvem skal høringssvarene om task forcen sendes til?"


def console_script() -> str:
    beside = Path(sys.executable).with_name("vejviser")
    found = str(beside) if beside.exists() else shutil.which("vejviser")
    if found is None:
        pytest.fail("the `vejviser` console script is not installed: pip install -e .")
    return found


def run_cli(*args: str | bytes, env: dict[str, str] | None = None, cwd: Path,
            timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    return subprocess.run([console_script(), *args], capture_output=True, env=environment, cwd=cwd, timeout=timeout)


def assert_contract(data: dict) -> None:
    assert set(data) == CONTRACT, sorted(data)
    assert data["language"] in {"da", "en"} and data["status"] in {"answered", "route"}
    assert isinstance(data["answer"], str) and data["answer"]
    assert 0.0 <= data["confidence"] <= 1.0
    assert 1 <= len(data["citations"]) <= 5
    for citation in data["citations"]:
        assert set(citation) == CITATION, sorted(citation)
        assert citation["quote"] and citation["quote"] in citation["text"]
        assert isinstance(citation["score"], float)


@pytest.mark.quality
def test_ask_json_prints_exactly_the_contract(real_engine, real_settings, tmp_path: Path) -> None:
    """The real console script, real model, real corpus (the index was built by the session's engine)."""
    result = run_cli("ask", "--json", HEADLINE, cwd=tmp_path, env={
        "VEJVISER_DATA_DIR": str(real_settings.data_dir), "VEJVISER_MODEL_PATH": str(real_settings.resolved_model_path),
        "VEJVISER_TODAY": real_settings.today})
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1, "exactly one JSON object"
    data = json.loads(lines[0])
    assert_contract(data)
    assert data["question"] == HEADLINE and data["language"] == "da"
    assert data["citations"][0]["doc_id"].startswith("001") and data["citations"][0]["date"] == "2006-11-17"


@pytest.mark.parametrize(("flags", "argument", "message"), [
    ([], "", "empty"),
    (["--json"], " \t\n  ", "empty"),
    ([], "Hvem " + "x" * 2000 + "?", "keep it under 2000"),
    (["--json"], b"Hvem skal h\xf8ringssvar sendes til \xff?", "not valid UTF-8"),
], ids=["empty", "whitespace only", "over 2,000 characters", "invalid UTF-8 bytes"])
def test_unusable_questions_are_refused_with_exit_code_2(flags: list[str], argument: str | bytes, message: str,
                                                         tmp_path: Path) -> None:
    result = run_cli("ask", *flags, argument, cwd=tmp_path, env={"VEJVISER_DATA_DIR": str(tmp_path / "data")},
                     timeout=120)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert err.startswith("vejviser: ") and message in err, err
    assert "Traceback" not in err and result.stdout == b""
    assert not (tmp_path / "data").exists()  # refused before anything was loaded or built


# ---------------------------------------------------------------------- batches (in-process)


@pytest.fixture
def counted_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """`AnswerEngine.load` replaced by one that records each call and returns a hashing-embedder engine."""
    engine = AnswerEngine.load(Settings(_env_file=None, data_dir=tmp_path / "data", embedder="hashing"),
                               embedder=HashingEmbedder())
    loads: list[Settings] = []

    def load(cls, settings: Settings, embedder=None, **_: object) -> AnswerEngine:  # type: ignore[no-untyped-def]
        loads.append(settings)
        return engine

    monkeypatch.setattr(AnswerEngine, "load", classmethod(load))
    monkeypatch.chdir(tmp_path)
    return loads


def test_batch_keeps_ids_and_loads_once(counted_loads: list[Settings], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    batch = tmp_path / "spørgsmål.jsonl"
    rows = [{"id": "a-1", "question": HEADLINE, "user": "ignored"}, {"id": 7, "question": "How many advisers?"},
            {"id": None, "question": "Hvad er bydelsmødre?"}]
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "\n", encoding="utf-8")
    assert main(["ask", "--json", "--batch", str(batch)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(counted_loads) == 1
    assert [json.loads(line)["id"] for line in out] == ["a-1", 7, None]
    for line in out:
        data = json.loads(line)
        assert data.pop("id", "missing") != "missing"
        assert_contract(data)


def test_batch_refuses_bad_lines_and_answers_the_rest(counted_loads: list[Settings], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    batch = tmp_path / "blandet.jsonl"
    batch.write_bytes(b"".join([
        json.dumps({"id": "ok", "question": HEADLINE}).encode() + b"\n",
        b'{"id": "latin-1", "question": "h\xf8ringssvar"}\n',  # invalid UTF-8
        json.dumps({"id": "blank", "question": "   "}).encode() + b"\n",
        json.dumps({"id": "long", "question": "x" * 2001}).encode() + b"\n",
        b"[1, 2, 3]\n",
    ]))
    assert main(["ask", "--json", "--batch", str(batch)]) == 2
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [row["id"] for row in out] == ["ok", None, "blank", "long", None]
    assert "error" not in out[0] and all("error" in row for row in out[1:])
    assert "line 2: not a JSON object in UTF-8" in captured.err
    assert "empty" in captured.err and "keep it under 2000" in captured.err and "line 5" in captured.err
    assert "Traceback" not in captured.err and len(counted_loads) == 1


def test_a_missing_batch_file_is_a_usage_error(counted_loads: list[Settings], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "--json", "--batch", str(tmp_path / "findes-ikke.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert counted_loads == []  # refused before the model and index were loaded


def test_interactive_session_refuses_a_non_utf8_line_and_goes_on(counted_loads: list[Settings],
                                                                 monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import io

    typed = "Hvad er bydelsm\xf8dre?\n".encode("latin-1") + "Hvad er bydelsmødre?\n\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(typed), encoding="utf-8"))
    assert main(["ask", "--json"]) == 0
    captured = capsys.readouterr()
    assert "not valid UTF-8" in captured.err and "Traceback" not in captured.err
    (line,) = captured.out.splitlines()
    data = json.loads(line)
    assert data["question"] == "Hvad er bydelsmødre?"
    assert_contract(data)
