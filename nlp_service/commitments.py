"""Commitments ("toezeggingen"): sentences of an answer in which the college (or the minister)
promises an action or to inform the council, with the due date when one is named.

Rules over sentences, written for precision: a sentence counts only when the answering side is
the subject of a future, an announced intention or a promise ("Wij zullen", "zal ik", "Het
college zal", "Ik ben voornemens", "zeggen toe", "Wij informeren de raad"), or when it is a
passive future or a dated passive plan. Conditions, the hypothetical (zou), continuation
(blijven), predictions (verwacht), necessity and possibility (zal ... moeten/kunnen) and
negations veto it. Measured on a hand-labelled sample (tests/data/commitments_gold.json, README).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from . import nlp
from .duedates import Due, find_due

_SUBJECT = (r"(?:ik|wij|we|het college|het kabinet|de regering|de minister|de staatssecretaris|de wethouder|"
            r"de burgemeester|de gemeente|mijn (?:diensten|administratie|ministerie|departement))")
_FUTURE = r"(?:zal|zullen|ga|gaan|gaat)"
_TELL = r"(?:informeren|informeer|informeert|berichten|bericht|rapporteren|rapporteer|rapporteert|hou|houd|houden)"
_AUDIENCE = r"(?:uw raad|de raad|uw kamer|de kamer|het parlement|de commissie|op de hoogte)"
_I = re.IGNORECASE
#: (rule name, pattern): the first that matches names the kind of commitment
RULES = [
    # "zal" glued to the next word is common in the PDF extractions ("Ik zalcliëntenorganisaties")
    ("future", re.compile(rf"\b{_SUBJECT}\s+(?:zal|zullen|(?:ga|gaan|gaat)\b)|\b{_FUTURE}\s+{_SUBJECT}\b", _I)),
    ("intention", re.compile(rf"(?:\b{_SUBJECT}\s+(?:ben|is|zijn)|\b(?:ben|is|zijn)\s+{_SUBJECT})\s+"
                             rf"(?:\w+\s+){{0,3}}?voornemens\b", _I)),
    ("promise", re.compile(rf"\b(?:{_SUBJECT}\s+(?:zeg|zeggen)|(?:zeg|zeggen)\s+{_SUBJECT})\b[^.]*\btoe\b", _I)),
    ("inform", re.compile(rf"(?:\b{_SUBJECT}\s+{_TELL}\b|\b{_TELL}\s+{_SUBJECT}\b)[^.]*\b{_AUDIENCE}\b|"
                          rf"\b{_SUBJECT}\b[^.]*\b{_AUDIENCE}\b[^.]*\b{_TELL}\b", _I)),
    ("passive", re.compile(r"\b(?:zal|zullen)\b[^,.;]*\b(?:worden|gebeuren)\b", _I)),
]
#: these count only with a due phrase that is not vague: a present passive ("worden in het eerste
#: kwartaal afgerond") and a deliverable ("Eind mei zal het rapport beschikbaar zijn")
DATED = [
    ("dated plan", re.compile(r"\b(?:wordt|worden)\b", _I)),
    ("deliverable", re.compile(r"\b(?:zal|zullen)\b[^,.;]*\b(?:beschikbaar|klaar|gereed|afgerond)\b|"
                               r"\b(?:beschikbaar|klaar|gereed|afgerond)\s+(?:zal|zullen)\b", _I)),
]
VETOES = [
    re.compile(r"\bzou(?:den)?\b", _I),  # hypothetical
    re.compile(r"\b(?:als|indien|mocht|mochten|tenzij|ingeval|waar)\b[^,.;]{2,160},", _I),  # a condition clause
    re.compile(r"\b(?:indien|mits|tenzij)\b", _I),
    # continuing what is done now ("zal ... blijven volgen"), and oversight: no deliverable
    re.compile(r"\b(?:zal|zullen|ga|gaan|gaat|voornemens)\b[^,.;]*\bblij(?:f|ft|ven)\b|"
               r"\bblij(?:f|ft|ven)\s+(?:ik|wij|we)\b|\btoe(?:gezien|zien)\b", _I),
    re.compile(r"\b(?:verwacht|verwachting|verwachten|waarschijnlijk)\b", _I),  # a prediction
    re.compile(r"\b(?:zal|zullen)\b[^,.;]*\b(?:moeten|kunnen|mogen)\b", _I),  # necessity or possibility
    re.compile(rf"\b(?:{_FUTURE}|{_TELL})\s+(?:\S+\s+){{0,3}}?(?:niet|geen|nooit)\b", _I),  # a refusal
    re.compile(r"\b(?:ga|gaat|gaan)\s+(?:wel\s+|niet\s+)?over\b", _I),  # "ik ga over": I am in charge of
    re.compile(r"\b(?:heeft|heb|hebben)\b[^.]*\btoegezegd\b", _I),  # a promise of the past
]
#: passives that describe rather than promise: an agent named after "door" (someone else's act),
#: a relative clause ("het antwoord dat gegeven zal worden") or the consequence of a measure
#: ("Met de invoering van ..., zal ...")
NOT_OURS = re.compile(r"\b(?:worden|wordt)\b[^.]*\bdoor\b|\bdoor\b[^.]*\b(?:worden|wordt)\b|"
                      r"\b(?:dat|die|welke)\s+(?:\S+\s+){0,4}?(?:zal|zullen)\b|"
                      r"^\s*(?:met|door|dankzij)\s+(?:de|het)\s+\w+\s+van\b|\b(?:kan|kunnen|moet|moeten)\b", _I)


@dataclass(frozen=True)
class Commitment:
    sentence: str
    index: int  # position of the sentence in the answer
    rule: str
    due: Due | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["due"] = asdict(self.due) if self.due else None
        return data


def commitment_rule(sentence: str, reference: str | None = None) -> str | None:
    """The rule by which ``sentence`` is a commitment, or None. ``reference`` (the letter's ISO
    date) keeps a dated plan from being one of the past ("in 2015 ingezet")."""
    if any(v.search(sentence) for v in VETOES):
        return None
    for name, regex in RULES:
        if regex.search(sentence):
            return None if name == "passive" and NOT_OURS.search(sentence) else name
    if NOT_OURS.search(sentence):
        return None
    for name, regex in DATED:
        if regex.search(sentence):
            due = find_due(sentence, reference)
            if due is not None and not due.vague and (due.date is None or reference is None or due.date >= reference):
                return name
    return None


def extract_sentences(sentences: list[str], reference: str | None = None) -> list[Commitment]:
    """The commitments among an answer's sentences; ``reference`` (ISO date of the letter) dates
    due phrases without a year."""
    found = []
    for index, sentence in enumerate(sentences):
        rule = commitment_rule(sentence, reference)
        if rule is not None:
            found.append(Commitment(sentence, index, rule, find_due(sentence, reference)))
    return found


def extract(answer: str | None, reference: str | None = None) -> list[Commitment]:
    return extract_sentences(nlp.sentences(answer or ""), reference)
