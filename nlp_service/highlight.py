"""Highlighted snippets: words whose stem matches a query term are wrapped in <mark>."""
from __future__ import annotations

import html

from . import nlp

_WORD_RE = nlp.TOKEN_RE  # the words the lexical index sees are the words marked


def query_stems(query: str) -> set[str]:
    return set(nlp.index_terms(query))


def _window(text: str, stems: set[str], width: int) -> tuple[int, int]:
    """The ``width``-character stretch of ``text`` holding the most matching words."""
    if len(text) <= width:
        return 0, len(text)
    hits = [m.start() for m in _WORD_RE.finditer(text) if nlp.stem(m.group(0).lower()) in stems]
    if not hits:
        return 0, width
    best_start, best_count = hits[0], 0
    for i, start in enumerate(hits):
        count = sum(1 for h in hits[i:] if h < start + width)
        if count > best_count:
            best_start, best_count = start, count
    start = max(0, best_start - width // 5)
    return start, min(len(text), start + width)


def _mark(text: str, stems: set[str]) -> str:
    """``text`` HTML-escaped, with every word whose stem is in ``stems`` in <mark>."""
    out, pos = [], 0
    for m in _WORD_RE.finditer(text):
        if m.group(0).lower() not in nlp.stopwords() and nlp.stem(m.group(0).lower()) in stems:
            out.append(html.escape(text[pos:m.start()]))
            out.append("<mark>" + html.escape(m.group(0)) + "</mark>")
            pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def mark_terms(text: str, query: str) -> str:
    """The whole of ``text`` HTML-escaped, words matching the query in <mark>."""
    return _mark(text, query_stems(query))


def snippet(text: str, query: str, width: int = 300) -> str:
    """An HTML-escaped excerpt around the densest matches, matches in <mark>."""
    stems = query_stems(query)
    start, end = _window(text, stems, width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + _mark(text[start:end], stems) + suffix
