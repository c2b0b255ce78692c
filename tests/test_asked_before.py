"""The asked-before rule's conditions and their calibration: generic pairs, unmatched rare words,
the Tweede Kamer cases stored twice through the real dossier, and the calibration's bookkeeping."""
from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from nlp_service.dossier import RULE, DossierBuilder, PairEvidence, pair_evidence
from nlp_service.evaluation import asked_before, asked_gates
from nlp_service.search import Filters
from nlp_service.units import LETTER

#: a confident logistic: cosine and overlap high, only the conditions decide
SURE = {"cosine": 0.99, "overlap": 1.0}


def test_a_generic_pair_needs_the_letters_subject_in_the_cosine():
    # "Wat is de stand van zaken?" twice: every word in common, but two of them only
    generic = PairEvidence(cosine=0.88, overlap=1.0, shared=2, unmatched_idf=0.0)
    assert RULE.confidence(generic.cosine, generic.overlap) >= RULE.threshold  # the logistic alone would fire
    assert not RULE.fires(generic)
    assert RULE.fires(replace(generic, cosine=RULE.generic_cosine))  # the same letter sent again
    assert RULE.fires(replace(generic, cosine=0.95, shared=RULE.specific_shared))


def test_a_rare_word_of_the_new_question_must_be_in_the_earlier_one():
    assert RULE.fires(PairEvidence(**SURE, shared=9, unmatched_idf=RULE.max_unmatched_idf))
    assert not RULE.fires(PairEvidence(**SURE, shared=9, unmatched_idf=RULE.max_unmatched_idf + 0.1))


def test_pair_evidence_weighs_only_the_new_questions_unmatched_words():
    def idf(term: str) -> float:  # the names are rare, every other word common
        return 9.0 if term.startswith(("art", "grenz", "vluchteling", "vlaander", "verloeder")) else 1.0

    template = "Wordt binnen uw beleidsdomeinen op enigerlei wijze samengewerkt met {}?"
    new, earlier = template.format("Artsen Zonder Grenzen"), template.format("Vluchtelingenwerk Vlaanderen")
    evidence = pair_evidence(new, earlier, 0.95, idf)
    assert evidence.unmatched_idf == 9.0 and not RULE.fires(evidence)
    # the earlier question saying more (a rare word of its own) does not block the warning
    longer = pair_evidence("Is het college bereid de wijken te inventariseren?",
                           "Is het college bereid de verloederende wijken te inventariseren?", 0.97, idf)
    assert longer.unmatched_idf == 0.0 and RULE.fires(longer)


@pytest.mark.model
def test_term_rarity_comes_from_the_serving_index(service):
    rarity = DossierBuilder(service.engine).rarity()
    units = service.engine.generation().manifest.units
    # a word of many letters against a word of a few Leiden units; one no unit holds is unknown, not rare
    assert 0 < rarity.idf("vrag") < rarity.idf("scheefwon") < math.log(units + 1)
    assert rarity.idf("zzqxw") == 0.0
    assert DossierBuilder(service.engine).rarity().generation_id == rarity.generation_id


@pytest.mark.model
def test_term_rarity_counts_the_pieces_not_the_whole_letters(service):
    """The whole-letter units repeat each question's words: counted, they would make every word look
    commoner than the calibration saw it."""
    generation = service.engine.generation()
    letters = service.engine.allowed_units(Filters(kinds=(LETTER,)))
    rarity = DossierBuilder(service.engine).rarity()
    assert letters and rarity.pieces == generation.manifest.units - len(letters)
    conn = generation.lexical_conn()
    in_letters = generation.lexical.document_frequency(conn, "scheefwon", within=letters)
    in_all = generation.lexical.document_frequency(conn, "scheefwon")
    assert 0 < in_letters < in_all
    assert rarity.idf("scheefwon") == pytest.approx(math.log((rarity.pieces + 1) / (in_all - in_letters + 1)))


@pytest.mark.model
def test_the_tweede_kamer_cases_stored_twice_are_asked_before(service, data_dir):
    """The questions-only document and the answer document repeating its questions: every question
    of the one is warned about, pointing at the same question of the other."""
    checked = 0
    for names in asked_before.tk_cases(data_dir):
        found = [service.store.find_document("tweedekamer-2024", name) for name in names]
        stored = [(f[0], service.store.questions_of(f[0])) for f in found if f is not None]
        if len(names) != 2 or len(stored) != 2 or not all(questions for _, questions in stored):
            continue
        (new_id, new_questions), (earlier_id, earlier_questions) = stored
        dossier = service.dossier(service.stored_document(new_id).document, document_id=new_id)
        for question, earlier in zip(dossier["questions"], earlier_questions):
            verdict = question["asked_before"]
            assert verdict is not None, question["text"][:80]
            assert (verdict["document_id"], verdict["question_id"]) == (earlier_id, earlier.id)
            checked += 1
    assert checked == 5  # the calibration's five Tweede Kamer pairs


SPECIFIC = "Welke stappen zet het college tegen het sociale scheefwonen in de verloederende wijken van Leiden?"
GENERIC = "Wat is de stand van zaken?"


def asked(date: str, gold: bool, new: str, *candidates: tuple[float, str, int]) -> asked_gates.AskedQuestion:
    return asked_gates.AskedQuestion("x", date, new, gold, tuple(
        asked_gates.Candidate(i, text, cosine, label) for i, (cosine, text, label) in enumerate(candidates)))


def test_the_verdict_figures_count_the_most_confident_firing_candidate():
    questions = [asked("2016-01-01", True, SPECIFIC, (0.90, GENERIC, 0), (0.97, SPECIFIC, 1)),  # right
                 asked("2016-01-02", False, GENERIC, (0.88, GENERIC, 0)),  # generic, low cosine: silent
                 asked("2016-01-03", True, SPECIFIC, (0.50, SPECIFIC, 1))]  # missed
    weighed = asked_gates.weigh(questions, lambda term: 1.0)
    figures = asked_gates.verdict_figures(weighed, questions, RULE)
    assert figures["fired"] == 1 and figures["precision"]["value"] == 1.0 and figures["recall"]["value"] == 0.5
    alone = replace(RULE, specific_shared=0, generic_cosine=0.0, max_unmatched_idf=asked_gates.NO_BOUND)
    assert asked_gates.verdict_figures(weighed, questions, alone)["fired"] == 2  # the generic one fires


def test_the_conditions_are_chosen_on_the_questions_before_the_split_only():
    before = [asked("2016-01-01", True, SPECIFIC, (0.97, SPECIFIC, 1)),
              asked("2016-02-01", False, GENERIC, (0.905, GENERIC, 0))]
    after = [asked("2017-05-01", False, GENERIC, (0.95, GENERIC, 0))]
    result = asked_gates.calibrate_conditions(before + after, lambda term: 1.0, RULE)
    assert result["questions"] == {"tune": 2, "held_out": 1}
    assert result["chosen"]["generic_cosine"] > 0.905  # silences the tuning letters' generic warning
    assert result["figures"]["with_conditions"]["tune"]["precision"]["value"] == 1.0
    assert result["figures"]["with_conditions"]["held_out"]["fired"] == 1  # the later one was not seen
    assert all(t["max_unmatched_idf"] >= asked_gates.UNMATCHED_IDF_FLOOR for t in result["grid"])
    assert asked_gates.AskedQuestion.from_json(after[0].to_json()) == after[0]


def test_the_shipped_rule_is_the_calibrations_choice():
    """RULE's constants are the ones scripts/calibrate_asked_before.py wrote to docs/asked-before.json."""
    result = json.loads((Path(__file__).parent.parent / "docs" / "asked-before.json").read_text(encoding="utf-8"))
    logistic = result["rules"]["logistic"]
    assert (RULE.intercept, RULE.w_cosine, RULE.w_overlap, RULE.threshold) == (
        logistic["intercept"], logistic["w_cosine"], logistic["w_overlap"], logistic["threshold"])
    assert result["conditions"]["chosen"] == {k: getattr(RULE, k) for k in asked_gates.GRID}
    assert result["conditions"]["shipped_rule_is_chosen"]
