"""The one place for configuration.

Every setting has a default, can be set with an environment variable
``NLP_SERVICE_<NAME>`` and can be overridden by a CLI option (the CLI calls
:meth:`Settings.replace`).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ServiceError
from .home import Home

PREFIX = "NLP_SERVICE_"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_NAME = "multilingual-e5-small"
#: names the page shows for the shared data's collections (NLP_SERVICE_COLLECTION_NAMES adds or overrides)
DEFAULT_COLLECTION_NAMES = {
    "leiden": "Gemeente Leiden",
    "dekamer-2017": "Belgische Kamer 2017",
    "tweedekamer-2024": "Tweede Kamer 2024",
    "rijksoverheid-faq": "Rijksoverheid FAQ",
    "upload": "Toegevoegd via de API",
}


class ConfigError(ServiceError, ValueError):
    """A setting has a value that cannot be used (a server misconfiguration: 500 on the web)."""


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    #: where the store, the embedding cache and the index generations live
    home: Path = field(default_factory=lambda: Path(_env("HOME", str(REPO_ROOT / "indexes"))))
    #: the sentence-transformers model directory
    model_dir: Path = field(
        default_factory=lambda: Path(_env("MODEL_DIR", str(REPO_ROOT / "models" / DEFAULT_MODEL_NAME)))
    )
    #: "onnx" (int8, verified against torch at build time) or "torch"
    encoder_backend: str = field(default_factory=lambda: _env("ENCODER_BACKEND", "onnx"))
    #: torch / onnxruntime intra-op threads; bounded so a busy 2-core server is not oversubscribed
    threads: int = field(default_factory=lambda: _env_int("THREADS", 2))
    batch_size: int = field(default_factory=lambda: _env_int("BATCH_SIZE", 32))
    #: reciprocal rank fusion constant and weights
    rrf_k: int = field(default_factory=lambda: _env_int("RRF_K", 60))
    #: BM25's weight for long queries (a pasted question): the full evaluation's grid puts
    #: 0.5-0.75 ahead of 1.0 on both long-query tasks (docs/evaluation.md)
    weight_lexical: float = field(default_factory=lambda: _env_float("WEIGHT_LEXICAL", 0.75))
    weight_dense: float = field(default_factory=lambda: _env_float("WEIGHT_DENSE", 1.0))
    #: a query of at most this many words is a short, typed one (a title, a few keywords)
    short_query_words: int = field(default_factory=lambda: _env_int("SHORT_QUERY_WORDS", 12))
    #: BM25's weight for short queries: a typed query's exact words matter more than for a
    #: pasted one. With the letters searched apart the title task's grid rises from 1.0 (0.411)
    #: to 1.5 (0.414) and 3.0 (0.418), while the FAQ's falls from 0.925 to 0.919 and 0.907:
    #: 1.5 costs each least (docs/evaluation.md)
    weight_lexical_short: float = field(default_factory=lambda: _env_float("WEIGHT_LEXICAL_SHORT", 1.5))
    #: the whole-letter units (units.LETTER) are searched apart from the pieces, each retriever's list
    #: of letters fused with its weight here times the retriever's own: BM25's and the embeddings'
    #: (chosen on the label tasks, docs/evaluation.md "Ranking with structure"); both 0: the letters
    #: are searched mixed with the pieces, one list per retriever
    weight_letters_lexical: float = field(default_factory=lambda: _env_float("WEIGHT_LETTERS_LEXICAL", 1.0))
    weight_letters_dense: float = field(default_factory=lambda: _env_float("WEIGHT_LETTERS_DENSE", 1.5))
    #: the relevance floor: a result whose matched text has at least this cosine similarity
    #: with the query is a direct match, below it a related one (chosen on the evaluation
    #: data, docs/match-floor.md); pasted questions and short typed queries apart, like the weights
    match_floor: float = field(default_factory=lambda: _env_float("MATCH_FLOOR", 0.88))
    match_floor_short: float = field(default_factory=lambda: _env_float("MATCH_FLOOR_SHORT", 0.84))
    #: and for a short query, the share of its words (index terms) the matched text must hold:
    #: a query none of whose words occur anywhere (``xyzzyqwv``) is near something all the same
    match_coverage_short: float = field(default_factory=lambda: _env_float("MATCH_COVERAGE_SHORT", 0.25))
    #: how many questions of one letter a result gives: its own and those in its ``more``
    per_document: int = field(default_factory=lambda: _env_int("PER_DOCUMENT", 3))
    #: candidates each retriever hands to the fusion
    candidates: int = field(default_factory=lambda: _env_int("CANDIDATES", 100))
    #: while embedding after a write, swap in a generation with the new vectors at most this often
    #: (a swap of the whole corpus costs ~0.3 s: docs/progressive-ingest.md)
    swap_seconds: float = field(default_factory=lambda: _env_float("SWAP_SECONDS", 30.0))
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("PORT", 8000))
    #: bearer token for writing endpoints; writing is disabled when empty
    api_token: str = field(default_factory=lambda: _env("API_TOKEN", ""))
    max_upload_mb: int = field(default_factory=lambda: _env_int("MAX_UPLOAD_MB", 10))
    max_query_chars: int = field(default_factory=lambda: _env_int("MAX_QUERY_CHARS", 5000))
    max_k: int = field(default_factory=lambda: _env_int("MAX_K", 100))
    #: days the college has to answer a written question (Reglement van Orde): past it, a question is overdue
    answer_term_days: int = field(default_factory=lambda: _env_int("ANSWER_TERM_DAYS", 30))
    #: comma-separated origins allowed by CORS; empty = CORS off
    cors_origins: str = field(default_factory=lambda: _env("CORS_ORIGINS", ""))
    #: the embedding cache file; empty = ``<home>/embeddings.sqlite``. Several homes may share one.
    cache_file: str = field(default_factory=lambda: _env("CACHE", ""))
    #: readable collection names for the page: ``source=Name,source=Name`` (added to the defaults)
    collection_names: str = field(default_factory=lambda: _env("COLLECTION_NAMES", ""))
    #: the collection the search page starts with (a municipality's own letters); empty = all
    default_collection: str = field(default_factory=lambda: _env("DEFAULT_COLLECTION", ""))
    #: the shared corpus (demo, evaluation, benchmarks)
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA", str(REPO_ROOT.parent / "shared" / "data"))))

    def __post_init__(self) -> None:
        if self.encoder_backend not in ("onnx", "torch"):
            raise ConfigError(f"{PREFIX}ENCODER_BACKEND must be 'onnx' or 'torch', got {self.encoder_backend!r}")
        for name in ("threads", "batch_size", "rrf_k", "per_document", "candidates", "max_k", "short_query_words",
                     "max_upload_mb", "max_query_chars", "answer_term_days"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{PREFIX}{name.upper()} must be at least 1")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"{PREFIX}PORT must be 0-65535, got {self.port}")
        for name in ("weight_lexical", "weight_lexical_short", "weight_dense", "weight_letters_lexical",
                     "weight_letters_dense", "swap_seconds"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{PREFIX}{name.upper()} must not be negative")
        for name in ("match_floor", "match_floor_short", "match_coverage_short"):
            if not -1 <= getattr(self, name) <= 1:
                raise ConfigError(f"{PREFIX}{name.upper()} must be between -1 and 1")
        self.collection_labels  # a malformed NLP_SERVICE_COLLECTION_NAMES is an error at start-up

    @property
    def letter_weights(self) -> dict[str, float]:
        """Each retriever's weight for its list of whole letters (none: the letters are not searched apart)."""
        weights = {"lexical": self.weight_letters_lexical, "dense": self.weight_letters_dense}
        return weights if any(weights.values()) else {}

    @property
    def collection_labels(self) -> dict[str, str]:
        """Collection -> the name the page shows: the shared collections' defaults, then the operator's."""
        labels = dict(DEFAULT_COLLECTION_NAMES)
        for item in filter(None, (part.strip() for part in self.collection_names.split(","))):
            source, sep, label = item.partition("=")
            if not sep or not source.strip() or not label.strip():
                raise ConfigError(f"{PREFIX}COLLECTION_NAMES must be 'source=Name,source=Name', got {item!r}")
            labels[source.strip()] = label.strip()
        return labels

    def replace(self, **changes) -> "Settings":
        """A copy with the given settings changed; ``None`` values are ignored."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def model_id(self) -> str:
        return self.model_dir.name

    @property
    def paths(self) -> Home:
        """Every path of the index home."""
        return Home(self.home)

    @property
    def cache_path(self) -> Path:
        return Path(self.cache_file) if self.cache_file else self.paths.default_cache


def load_settings(**overrides) -> Settings:
    return Settings().replace(**overrides)


def apply_process_settings(settings: Settings) -> None:
    """Process-wide settings, applied once where a process starts (the CLI, the WSGI factory,
    a benchmark's server), before the libraries that read them are imported or first used.
    An environment variable set by the operator wins."""
    # tokenizers' Rust thread pool reads this once, on first use; keep it within our budget
    os.environ.setdefault("RAYON_NUM_THREADS", str(settings.threads))
    # OpenMP reads this when torch is first imported. Spinning threads stall at every barrier
    # once another process holds a core: 430-1490 ms per query on our busy 2-core box against
    # 82 ms passive.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
