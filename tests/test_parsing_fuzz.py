"""Bad input never crashes the parser: any bytes under any supported name give
documents or a ParseError that names the file, nothing else."""
import collections
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp_service.parsing import EXTENSIONS, ParseError, parse_bytes

NAMES = sorted(f"upload{ext}" for ext in EXTENSIONS)
SEEDS = [
    b"", b"\x00" * 64, b"\xff\xfe\x00\x00garbage", b"%PDF-1.7\n%broken", b"PK\x03\x04not a zip",
    b"<html><body><p>Vraag 1 Is dat zo?</p>", "Indiendatum: 31 februari 2020\nVragen:\n1. Wat?\n".encode(),
    "\u202e\u0000\u0007Antwoord 1: ja".encode(), b'{"doc_id": 1, "question": null}\n', b"name,text_content\n\"x",
]


def check(data: bytes, name: str) -> None:
    try:
        documents = parse_bytes(data, name, "fuzz")
    except ParseError as exc:
        assert name in str(exc), f"the error must name the file: {exc}"
        return
    for document in documents:
        assert document.source == "fuzz" and document.external_id
        for question in document.questions:
            assert question.number.strip() and question.text.strip(), "a question is never empty"
    # the same bytes parse the same way: what is stored and hashed does not depend on the run
    assert [d.to_dict() for d in parse_bytes(data, name, "fuzz")] == [d.to_dict() for d in documents]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("data", SEEDS)
def test_known_bad_inputs(data, name):
    check(data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=4000),
                      st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass"))),
       name=st.sampled_from(NAMES))
def test_random_bytes_give_documents_or_a_clear_error(data, name):
    check(data, name)


def test_huge_text_file_is_parsed_without_error():
    body = ("Vragen:\n" + "".join(f"{i}. Is vraag {i} beantwoord?\n" for i in range(1, 400))).encode()
    [document] = parse_bytes(body * 20, "groot.txt", "fuzz")
    assert [q.number for q in document.questions] == [str(i) for i in range(1, 400)]
    assert all(q.text.startswith(f"Is vraag {q.number} beantwoord?") for q in document.questions)
    # nothing read is dropped: each of the 20 copies of every question is somewhere in the document
    kept = "\n".join([document.intro, document.other, *(q.text for q in document.questions),
                      *(q.answer or "" for q in document.questions)])
    assert collections.Counter(re.findall(r"Is vraag (\d+) beantwoord\?", kept)) == {str(i): 20 for i in range(1, 400)}
