"""Unit tests for eval.quality.metrics on tiny cases whose expected values are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval.quality.metrics import (
    aurc,
    auroc,
    contains_evidence,
    hit_at_k,
    normalise,
    percentile,
    pick_band_floor,
    pick_routing_threshold,
    pick_threshold,
    reciprocal_rank,
    risk_coverage,
)

# --------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Københavns Kommune", "kobenhavns kommune"),
        ("ÆBLE, Øl og Århus", "aeble, ol og arhus"),  # upper-case Æ Ø Å too; comma kept
        ("Sagsnr.: 2006-1213", "sagsnr 2006 1213"),  # ".: " and "-" are runs -> one space
        ("0,5 mio. kr. af § 18 midlerne", "0,5 mio kr af 18 midlerne"),
        ("  hjemløse-\nenheden\t(SOF) ", "hjemlose enheden sof"),  # strip both ends
        ("“grøn linie”", "gron linie"),
        ("", ""),
        ("—§…!", ""),
    ],
)
def test_normalise_danish(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_decomposed_a_ring_equals_composed() -> None:
    # "a" + COMBINING RING ABOVE is the same letter as "å" once NFC-composed.
    assert normalise("ra\u030adgivning") == normalise("rådgivning") == "radgivning"


@pytest.mark.parametrize(
    ("ocr", "expected"),
    [
        # OCR of document 003: mangled letters become spaces or stay as read.
        ("K@BENHAVNS KOMMUNE", "k benhavns kommune"),
        ("Kebenhavns Kommune", "kebenhavns kommune"),
        ("”gron linie” for serlige", "gron linie for serlige"),
        ("s&rlig opmarksom p4, at", "s rlig opmarksom p4, at"),
        ("fé en form for", "f en form for"),
    ],
)
def test_normalise_ocr(ocr: str, expected: str) -> None:
    assert normalise(ocr) == expected


def test_ocr_spellings_that_only_drop_diacritics_match_the_correct_danish() -> None:
    # ø -> o and å -> a make the OCR's "hjemloseenhed"/"radgivning" equal the real words.
    assert normalise("den bydaekkende hjemloseenhed") == normalise("den bydækkende hjemløseenhed")
    assert normalise("Ungeradgivningen") == normalise("Ungerådgivningen")
    # ...but a real OCR error (ø read as e) does not match.
    assert normalise("Kebenhavns") != normalise("Københavns")


# --------------------------------------------------------------------------- evidence

PASSAGE_003 = "I handicapcenteret betyder\ndette eksempelvis, at der anvendes tolk ved samtaler, hvor der kan"


def test_contains_evidence_across_line_breaks_and_case() -> None:
    assert contains_evidence(PASSAGE_003, ["DER ANVENDES TOLK ved samtaler"])
    assert contains_evidence(PASSAGE_003, ["no such words", "betyder dette eksempelvis"])
    assert not contains_evidence(PASSAGE_003, ["tolk ved telefonsamtaler"])


def test_contains_evidence_empty_lists_and_phrases_never_match() -> None:
    assert not contains_evidence(PASSAGE_003, [])
    assert not contains_evidence(PASSAGE_003, ["", " -- "])  # normalise to "", must not match


EVIDENCE = ["fire rådgivere og en koordinator"]
HIT = "...skal bestå af fire rådgivere og en koordinator (BIU 201/2006)."
MISS_A = "Borgerrepræsentationen har bevilget 10 mio. kr. årligt"
MISS_B = "Svaret sendes til Ledelsessekretariatet."


def test_hit_at_1_and_5() -> None:
    citations = [MISS_A, MISS_B, HIT, MISS_A]  # supporting passage at rank 3
    assert hit_at_k(citations, EVIDENCE, 1) is False
    assert hit_at_k(citations, EVIDENCE, 2) is False
    assert hit_at_k(citations, EVIDENCE, 3) is True
    assert hit_at_k(citations, EVIDENCE, 5) is True  # k beyond the list is fine
    assert hit_at_k([HIT], EVIDENCE, 1) is True
    assert hit_at_k([], EVIDENCE, 5) is False


def test_hit_at_k_rejects_k_below_one() -> None:
    with pytest.raises(ValueError):
        hit_at_k([HIT], EVIDENCE, 0)


def test_reciprocal_rank_and_mrr() -> None:
    assert reciprocal_rank([HIT, MISS_A], EVIDENCE) == 1.0  # rank 1 -> 1/1
    assert reciprocal_rank([MISS_A, MISS_B, HIT], EVIDENCE) == pytest.approx(1 / 3)  # rank 3
    assert reciprocal_rank([MISS_A, MISS_B], EVIDENCE) == 0.0  # never cited
    assert reciprocal_rank([MISS_A, MISS_B, HIT], EVIDENCE, k=2) == 0.0  # rank 3 > k=2
    # MRR over three questions: hits at rank 1, rank 2, none -> (1 + 1/2 + 0) / 3 = 0.5
    rr = [
        reciprocal_rank([HIT], EVIDENCE),
        reciprocal_rank([MISS_A, HIT], EVIDENCE),
        reciprocal_rank([MISS_A, MISS_B], EVIDENCE),
    ]
    assert float(np.mean(rr)) == pytest.approx(0.5)


# --------------------------------------------------------------------------- AUROC


def test_auroc_with_ties() -> None:
    # positives 0.9, 0.8; negatives 0.8, 0.3.  Pairs (pos, neg):
    # (0.9,0.8)=1  (0.9,0.3)=1  (0.8,0.8)=tie=0.5  (0.8,0.3)=1  -> 3.5 / 4 = 0.875
    assert auroc([0.9, 0.8, 0.8, 0.3], [1, 1, 0, 0]) == pytest.approx(0.875)


def test_auroc_textbook_case() -> None:
    # positives 0.35, 0.8; negatives 0.1, 0.4.
    # (0.35,0.1)=1 (0.35,0.4)=0 (0.8,0.1)=1 (0.8,0.4)=1 -> 3 / 4 = 0.75
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)


def test_auroc_extremes() -> None:
    assert auroc([0.5, 0.5, 0.5], [1, 0, 1]) == pytest.approx(0.5)  # all tied: 2 pairs x 0.5 / 2
    assert auroc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == pytest.approx(0.0)  # perfectly inverted
    assert auroc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == pytest.approx(1.0)  # bools ok


def test_auroc_one_class_is_nan() -> None:
    assert math.isnan(auroc([0.1, 0.9], [1, 1]))
    assert math.isnan(auroc([0.1, 0.9], [0, 0]))
    assert math.isnan(auroc([], []))


def test_auroc_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [1])  # lengths differ
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [1, 2])  # labels not 0/1
    with pytest.raises(ValueError):
        auroc([0.1, float("nan")], [1, 0])


# --------------------------------------------------------------------------- risk-coverage, AURC

CONF = [0.6, 0.9, 0.7, 0.8]
OK = [True, True, True, False]
# Sorted by confidence: 0.9 ok, 0.8 wrong, 0.7 ok, 0.6 ok
#   coverage 1/4, 2/4, 3/4, 4/4
#   risk     0/1, 1/2, 1/3, 1/4


def test_risk_coverage_sorted_by_confidence() -> None:
    coverage, risk = risk_coverage(CONF, OK)
    assert coverage == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert risk == pytest.approx([0.0, 0.5, 1 / 3, 0.25])


def test_aurc_is_mean_of_risks() -> None:
    # (0 + 1/2 + 1/3 + 1/4) / 4 = (13/12) / 4 = 13/48 = 0.2708333...
    assert aurc(CONF, OK) == pytest.approx(13 / 48)
    assert aurc(np.array(CONF)[::-1], np.array(OK)[::-1]) == pytest.approx(13 / 48)  # order-free


def test_risk_coverage_spreads_errors_over_ties() -> None:
    # 0.9 ok; then two items tied at 0.5, one ok and one wrong -> each carries 1/2 error.
    # cumulative errors 0, 0.5, 1 -> risk 0/1, 0.5/2, 1/3
    coverage, risk = risk_coverage([0.5, 0.9, 0.5], [False, True, True])
    assert coverage == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert risk == pytest.approx([0.0, 0.25, 1 / 3])
    # AURC = (0 + 1/4 + 1/3) / 3 = (7/12) / 3 = 7/36 = 0.19444...
    assert aurc([0.5, 0.9, 0.5], [False, True, True]) == pytest.approx(7 / 36)
    # Swapping the tied items must not change anything.
    assert aurc([0.5, 0.9, 0.5], [True, True, False]) == pytest.approx(7 / 36)


def test_aurc_perfect_worst_and_empty() -> None:
    assert aurc([0.3, 0.2, 0.1], [True, True, True]) == 0.0
    assert aurc([0.3, 0.2], [False, False]) == 1.0
    # wrong answer ranked last: risks 0, 0, 1/3 -> (1/3)/3 = 1/9;  ranked first: 1, 1/2, 1/3 -> 11/18
    assert aurc([0.3, 0.2, 0.1], [True, True, False]) == pytest.approx(1 / 9)
    assert aurc([0.3, 0.2, 0.1], [False, True, True]) == pytest.approx(11 / 18)
    assert math.isnan(aurc([], []))
    coverage, risk = risk_coverage([], [])
    assert coverage.size == 0 and risk.size == 0


# --------------------------------------------------------------------------- pick_threshold

PT_CONF = [0.9, 0.8, 0.7, 0.6, 0.5]
PT_OK = [True, True, False, True, True]
# answered = conf >= t:
#   t=0.9: 1 answered, 0 wrong -> risk 0
#   t=0.8: 2 answered, 0 wrong -> risk 0
#   t=0.7: 3 answered, 1 wrong -> risk 1/3
#   t=0.6: 4 answered, 1 wrong -> risk 1/4
#   t=0.5: 5 answered, 1 wrong -> risk 1/5


def test_pick_threshold_default_five_percent() -> None:
    assert pick_threshold(PT_CONF, PT_OK) == pytest.approx(0.8)  # largest coverage with risk 0


def test_pick_threshold_prefers_most_coverage_not_first_failure() -> None:
    # max_risk 0.25: t=0.7 fails (1/3) but t=0.6 (1/4) and t=0.5 (1/5) pass -> most coverage = 0.5
    assert pick_threshold(PT_CONF, PT_OK, max_risk=0.25) == pytest.approx(0.5)
    # max_risk 0.2: only 0.9, 0.8 and 0.5 pass -> 0.5
    assert pick_threshold(PT_CONF, PT_OK, max_risk=0.2) == pytest.approx(0.5)
    # max_risk 0.19: 0.5 fails (0.2) -> back to 0.8
    assert pick_threshold(PT_CONF, PT_OK, max_risk=0.19) == pytest.approx(0.8)


def test_pick_threshold_none_when_nothing_qualifies() -> None:
    # t=0.9: 1 answered, wrong -> 1.0;  t=0.1: 2 answered, 1 wrong -> 0.5
    assert pick_threshold([0.9, 0.1], [False, True]) is None
    # ties enter together: t=0.9 answers both 0.9s (1 of 2 wrong -> 0.5)
    assert pick_threshold([0.9, 0.9, 0.2], [True, False, True]) is None
    assert pick_threshold([], []) is None


def test_pick_threshold_rejects_bad_max_risk() -> None:
    with pytest.raises(ValueError):
        pick_threshold(PT_CONF, PT_OK, max_risk=1.5)


# --------------------------------------------------------------------------- pick_routing_threshold


def test_routing_threshold_answers_the_most_while_routing_enough_unanswerable_questions() -> None:
    confidences = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    answerable = [True, False, True, True, False, False, False, False, False, False]
    # 7 unanswerable: routing 6 of 7 (0.857) needs t above 0.5; routing all 7 needs t above 0.8.
    assert pick_routing_threshold(confidences, answerable, min_routed=0.85) == pytest.approx(0.6)
    assert pick_routing_threshold(confidences, answerable, min_routed=0.90) == pytest.approx(0.9)
    assert pick_routing_threshold(confidences, answerable, min_routed=0.0) == pytest.approx(0.05)


def test_routing_threshold_routes_everything_when_the_top_question_is_unanswerable() -> None:
    t = pick_routing_threshold([0.9, 0.5], [False, True], min_routed=1.0)
    assert t is not None and t > 0.9


def test_routing_threshold_needs_unanswerable_questions() -> None:
    assert pick_routing_threshold([0.9, 0.5], [True, True]) is None
    with pytest.raises(ValueError):
        pick_routing_threshold([0.5], [False], min_routed=1.5)


# --------------------------------------------------------------------------- pick_band_floor


def test_the_band_stops_where_its_quotes_stop_being_right_often_enough() -> None:
    # Under the threshold 0.9: right, right, right, wrong, wrong, wrong (descending confidence).
    confidences = [0.95, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6]
    right = [True, True, True, True, False, False, False]
    # window 2 looks at the question and the one above it: 0.85 (1 of 1), 0.8 (2/2), 0.75 (2/2), 0.7 (1/2 < 2/3) stops.
    assert pick_band_floor(confidences, right, threshold=0.9, window=2) == pytest.approx(0.75)
    # a lower bar takes the 0.7 too (1/2 >= 1/2), then 0.65 (0 of 2) stops it
    assert pick_band_floor(confidences, right, threshold=0.9, min_share=0.5, window=2) == pytest.approx(0.7)


def test_no_band_when_the_first_quote_under_the_threshold_is_already_wrong() -> None:
    assert pick_band_floor([0.95, 0.5, 0.4], [True, False, False], threshold=0.9, window=2) is None
    assert pick_band_floor([0.95], [True], threshold=0.9) is None  # nothing under the threshold
    # window 50: the first question under the threshold passes (17 of its 25 neighbours right), the second does not
    # (17 of 26): a band of one question says nothing about how often its quotes are right
    confidences = [0.95] + [0.8 - i / 1000 for i in range(47)]
    right = [True] * 18 + [False] * 30
    assert pick_band_floor(confidences, right, threshold=0.9, window=2) is not None
    assert pick_band_floor(confidences, right, threshold=0.9) is None
    with pytest.raises(ValueError):
        pick_band_floor([0.5], [True], threshold=0.9, min_share=2.0)


# --------------------------------------------------------------------------- percentile


def test_percentile_linear_interpolation() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # sorted 1 2 3 4, positions 0..3
    assert percentile(values, 50) == pytest.approx(2.5)  # position 1.5 -> 2 + 0.5*(3-2)
    assert percentile(values, 95) == pytest.approx(3.85)  # position 2.85 -> 3 + 0.85*(4-3)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)
