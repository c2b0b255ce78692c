"""What the results page shows: one card per letter (one search result) holding its matching questions, direct
matches apart from related results, and links that keep the search (every filter, the place)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import url_for

from ..search import DIRECT, SearchResponse

#: results added by "Meer resultaten"
PAGE_STEP = 10
#: related results shown when nothing matches directly: a hint of what is near, never a list to cite
RELATED_SHOWN = 3
#: an answer longer than this is shown folded ("Toon het hele antwoord") in a result list
FOLD_ANSWER_CHARS = 900


@dataclass
class Letter:
    """One letter (document) of a result list, with the questions of it that matched."""

    position: int  # 1-based place in the list: the anchor ``brief-<position>``
    document: dict
    hits: list[dict] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"brief-{self.position}"


@dataclass
class ResultList:
    letters: list[Letter]  # direct matches, or (when there are none) a few related results
    direct: bool  # whether ``letters`` are direct matches
    direct_total: int  # letters with a direct match among all candidates

    @property
    def more_available(self) -> bool:
        return self.direct and self.direct_total > len(self.letters)


def group_by_letter(results: Sequence[dict]) -> list[Letter]:
    """Results (dicts as the API gives them, one per letter) as cards: the result's question, then
    the letter's other matching questions (``more``) that are direct too; a related letter shows one."""
    letters: dict[int, Letter] = {}
    for result in results:
        doc = result["document"]
        letter = letters.setdefault(doc["id"], Letter(len(letters) + 1, doc))
        under = [m for m in result.get("more", ()) if result["match"] == m["match"] == DIRECT]
        letter.hits += [result, *({**m, "document": doc} for m in under)]
    return list(letters.values())


def result_list(response: SearchResponse) -> ResultList:
    results = [r.for_page() for r in response.results]
    direct = [r for r in results if r["match"] == DIRECT]
    if direct:
        return ResultList(group_by_letter(direct), True, response.direct_documents)
    return ResultList(group_by_letter(results[:RELATED_SHOWN]), False, 0)


def split_related(similar: Sequence[dict]) -> tuple[list[dict], list[dict]]:
    """A question's similar questions: the direct matches, and (when there are none) a few related ones."""
    direct = [r for r in similar if r.get("match") == DIRECT]
    return direct, ([] if direct else list(similar[:RELATED_SHOWN]))


def search_url(params: Mapping[str, str], anchor: str | None = None, **changes) -> str:
    """The results page for ``params`` (every filter kept), optionally at a letter's anchor."""
    merged = {name: value for name, value in {**params, **changes}.items() if value not in (None, "")}
    return url_for("pages.index", **merged, _anchor=anchor)


def more_results_url(params: Mapping[str, str], results: ResultList, max_k: int) -> str | None:
    """More of the same search, landing where the new letters start."""
    k = int(params.get("k") or 10)  # validated by the search that produced ``results``
    if not results.more_available or k >= max_k:
        return None
    return search_url(params, f"brief-{len(results.letters) + 1}", k=min(k + PAGE_STEP, max_k))
