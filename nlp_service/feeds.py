"""Saved searches as Atom 1.0 feeds (RFC 4287): the newest questions matching a search.

A feed reader polls the feed and shows what it has not seen before, by entry id. The ids are
tag: URIs (RFC 4151) made of what identifies a question outside this database (collection,
the document's id in it, the question's position), so they survive a reindex, a rebuilt
store and a re-ingest.
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import quote

from .search import SearchEngine, SearchRequest, document_card
from .trend import matching_questions

ATOM_NS = "http://www.w3.org/2005/Atom"
MIME_TYPE = "application/atom+xml"
TAG_AUTHORITY = "nlp-service,2026"  # tag: URI authority; a fixed date keeps ids stable forever
FEED_AUTHOR = "Raadsvragen · precedenten zoeken"
MAX_ENTRIES = 50
EPOCH = "1970-01-01"  # 'updated' of an undated question: Atom requires a date


def question_tag(source: str, external_id: str, position: int) -> str:
    return f"tag:{TAG_AUTHORITY}:question/{quote(source, safe='')}/{quote(external_id, safe='')}/{position}"


def feed_tag(query_string: str) -> str:
    return f"tag:{TAG_AUTHORITY}:search?{quote(query_string, safe='=&+')}"


def newest_matches(engine: SearchEngine, request: SearchRequest, limit: int = MAX_ENTRIES) -> list[dict]:
    """The matching questions (trend's relevance cut) newest first, by answer or else
    submission date: a feed announces an answer as news too."""
    matches = matching_questions(engine, request)
    questions = engine.store.get_questions(m.question_id for m in matches)
    documents = engine.store.get_documents({m.document_id for m in matches})
    entries = []
    for match in matches:
        stored_q, stored_d = questions[match.question_id], documents[match.document_id]
        document = stored_d.document
        entries.append({"question": stored_q, "document": document_card(stored_d),
                        "updated": document.answered or document.submitted or EPOCH,
                        "tag": question_tag(document.source, document.external_id, stored_q.position)})
    entries.sort(key=lambda e: (e["updated"], e["tag"]), reverse=True)
    return entries[:limit]


def _timestamp(iso_date: str) -> str:
    return dt.date.fromisoformat(iso_date[:10]).isoformat() + "T00:00:00Z"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(entries: list[dict], *, title: str, feed_id: str, self_url: str, alternate_url: str,
              question_url) -> bytes:
    """The feed as UTF-8 XML; ``question_url(question_id)`` gives each entry's page."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    _sub(feed, "updated", _timestamp(max((e["updated"] for e in entries), default=EPOCH)))
    author = _sub(feed, "author")
    _sub(author, "name", FEED_AUTHOR)
    _sub(feed, "link", rel="self", type=MIME_TYPE, href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    for e in entries:
        doc, question = e["document"], e["question"].question
        entry = _sub(feed, "entry")
        _sub(entry, "id", e["tag"])
        _sub(entry, "title", f"{doc['title'] or doc['external_id']} — vraag {question.number}")
        _sub(entry, "updated", _timestamp(e["updated"]))
        if doc["submitted"]:
            _sub(entry, "published", _timestamp(doc["submitted"]))
        for name in doc["authors"]:
            _sub(_sub(entry, "author"), "name", name)
        for party in doc["parties"]:
            _sub(entry, "category", term=party)
        _sub(entry, "link", rel="alternate", type="text/html", href=question_url(e["question"].id))
        summary = question.text if question.answer is None else f"{question.text}\n\nAntwoord: {question.answer}"
        _sub(entry, "summary", summary[:2000])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
