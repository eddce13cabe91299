"""`vejviser eval`: score the engine on the gold set, calibrate its confidence, write the report, guard regressions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.core.errors import InvalidInput
from bot.core.settings import Settings

BASELINES = ("bm25", "dense", "rrf", "weighted")
MIN_ROUTED = 0.90  # the share of unanswerable calibration questions the threshold must route (issue 12's bar)


def register(commands: Any) -> None:
    parser = commands.add_parser("eval", help="score answers on the gold set and write eval/report/REPORT.md")
    parser.add_argument("--gold", type=Path, help="a gold JSONL file (default: eval/gold/<split>.jsonl)")
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--calibrate", action="store_true",
                        help="fit the confidence and choose the answer threshold on the held-out training fifth plus "
                             "dev, then write the calibration file (bot/answering/calibration.json)")
    parser.add_argument("--check", action="store_true",
                        help="fail when a figure falls below the committed report by more than --tolerance")
    parser.add_argument("--tolerance", type=float, default=0.03)
    parser.add_argument("--no-report", action="store_true", help="print the tables only")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answering.engine import AnswerEngine
    from eval.quality import equal_treatment, report, runner

    engine = AnswerEngine.load(settings)
    if args.calibrate:
        if settings.calibration_file is None:
            raise InvalidInput("--calibrate needs a calibration file to write (VEJVISER_CALIBRATION_FILE).")
        calibrate(engine, settings.calibration_file)
    path = args.gold or runner.gold_path(args.split)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such gold file.")
    items = runner.load_gold(path)
    documents = {doc_id: doc.text for doc_id, doc in engine.documents.items()}
    shipped = settings.fusion
    runs, shipped_outcomes = {}, []
    from eval.quality.training_leakage import similar_gold_ids
    from index.training_set import read_training_set

    similar = similar_gold_ids(read_training_set(), [(i.id, i.question) for i in items])
    for method in BASELINES:
        outcomes = runner.run(engine, items, fusion=method)
        runs[method] = runner.grouped(outcomes, documents, similar)
        if method == shipped:
            shipped_outcomes = outcomes
    runs = {f"{m} (shipped)" if m == shipped else m: r for m, r in runs.items()}
    equal = equal_treatment.check(engine, equal_treatment.load_templates())
    print(report.table({name: r["overall"]["all"] for name, r in runs.items()}))
    shipped_key = f"{shipped} (shipped)"
    print(report.table(runs[shipped_key]["language"]))
    print(report.table(runs[shipped_key]["similarity"]))
    print(report.table(runs[shipped_key]["document"]))
    print(f"equal treatment: {equal[0]} templates, {len(equal[1])} divergences")
    for d in equal[1]:
        print(f"  {d.template_id}: " + "; ".join(f"{status} {first}" for _, status, first in d.outcomes))
    committed = _read_summary(report.REPORT_DIR / "summary.json")
    if not args.no_report:
        command = "vejviser eval " + " ".join(a for a in sys.argv[2:] if a != "--check") if sys.argv[1:2] == ["eval"] else "vejviser eval"
        out_dir = report.REPORT_DIR if path == runner.gold_path(args.split) and args.split == "test" else report.REPORT_DIR / args.split
        report.write(args.split, shipped_key, runs, shipped_outcomes, equal, engine.threshold(), engine.embedder.model_id,
                     command, out_dir)
        print(f"report written to {out_dir / 'REPORT.md'}")
    if args.check:
        # Against the committed report (read before anything was written), with or without --no-report.
        if committed is None:
            raise InvalidInput(f"--check needs a committed report: {report.REPORT_DIR / 'summary.json'} is missing.")
        if args.gold is not None or committed.get("split") != args.split:
            raise InvalidInput(f"--check compares with the committed report of the '{committed.get('split')}' split; "
                               f"run it with --split {committed.get('split')} and the shipped gold set.")
        current = report.summary(args.split, shipped_key, runs, equal, engine.threshold(), engine.embedder.model_id)
        problems = report.regressions(current, committed, args.tolerance)
        if problems:
            print("quality regressed against the committed report:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        print(f"no figure fell more than {args.tolerance} below the committed report")
    return 0


def calibrate(engine: Any, path: Path) -> None:
    """Fit the confidence on the held-out fifth of the training questions plus dev, and choose the lowest threshold
    that still routes 90 % of the unanswerable questions among cross-validated confidences.

    The confidence is fitted to tell answerable from unanswerable questions (what it is for, and what AUROC
    scores). The rule is the issue's own bar, "unanswerable routed >= 0.90", and answers the most caseworkers under
    it. A rule of "<= 5 % wrong answers" was tried first: on the calibration questions the top passage's quote misses
    the tagged sentence for about one answerable question in seven whatever the threshold, so that rule answered only
    about one answerable question in seven (test split: 0.138 answered right at answer precision 1.000; this rule,
    same features: 0.446 at 0.967). A threshold chosen on the very confidences it was fitted on promises what it does not
    keep out of sample, hence the cross-validation.
    """
    from dataclasses import replace

    from bot.answering.confidence import cross_validated, fit
    from eval.quality import metrics, runner

    items = runner.training_items(held_out=True) + runner.load_gold(runner.gold_path("dev"))
    outcomes = runner.run(engine, items, explain=True)
    rows = [o.reply.get("features", {}) for o in outcomes]
    answerable = [int(o.item.answerable) for o in outcomes]
    labels = [int(o.correct_if_answered) for o in outcomes]
    folds = cross_validated(rows, answerable, folds=5, seed=13)
    threshold = metrics.pick_routing_threshold(folds, answerable, min_routed=MIN_ROUTED)
    if threshold is None:
        raise InvalidInput("Calibration needs unanswerable questions: none are among the held-out training questions "
                           "and dev.")
    band_floor = metrics.pick_band_floor(folds, labels, threshold)
    model = replace(fit(rows, answerable), threshold=threshold, band_floor=band_floor, source=str(path))
    by_language = {}
    for language in ("da", "en"):
        chosen = [i for i, o in enumerate(outcomes) if o.item.lang == language]
        confidences = [folds[i] for i in chosen]
        answered = [i for i in chosen if folds[i] >= threshold]
        unanswerable = [i for i in chosen if not answerable[i]]
        band = [i for i in chosen if band_floor is not None and band_floor <= folds[i] < threshold]
        by_language[language] = {
            "questions": len(chosen),
            "cv_auroc": round(metrics.auroc(confidences, [answerable[i] for i in chosen]), 4),
            "cv_answered": len(answered),
            "cv_risk": round(sum(not labels[i] for i in answered) / len(answered), 4) if answered else 0.0,
            "cv_unanswerable_routed": round(sum(folds[i] < threshold for i in unanswerable) / len(unanswerable), 4)
            if unanswerable else 1.0,
            # what bounds "answered with the right quote" whatever the threshold: answerable ones whose quote is right
            "quote_right": round(sum(labels[i] for i in chosen if answerable[i]) / max(sum(answerable[i] for i in chosen), 1), 4),
            "cv_band": len(band),
            "cv_band_right": round(sum(labels[i] for i in band) / len(band), 4) if band else 0.0,
        }
    fitted_on = {"training_held_out": sum(1 for o in outcomes if not o.item.id.startswith(("dev-", "test-"))),
                 "dev": sum(1 for o in outcomes if o.item.id.startswith("dev-")), "cross_validation": by_language}
    path.write_text(json.dumps(model.to_json() | {"fitted_on": fitted_on}, indent=2) + "\n", encoding="utf-8")
    engine.confidence_model = model
    print(f"calibrated on {len(items)} questions (held-out training fifth + dev): threshold {threshold:.3f}, "
          f"middle band from {band_floor if band_floor is not None else 'none'}; "
          f"cross-validated: " + ", ".join(f"{k} AUROC {v['cv_auroc']:.3f}, answers {v['cv_answered']}/{v['questions']} "
                                           f"at risk {v['cv_risk']:.3f}" for k, v in by_language.items()) + f"; wrote {path}")


def _read_summary(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
