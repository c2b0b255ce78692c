"""Shared fixtures: the real shared corpus, and one real index built once per test session."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from nlp_service.config import Settings, load_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Belgian records in the session index: enough for filters by party and date to bite,
# few enough that the suite embeds them in well under a minute.
BELGIAN_SAMPLE = 200


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Settings().data_dir
    if not path.exists():
        pytest.fail(f"shared data not found at {path}: set NLP_SERVICE_DATA")
    return path


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from nlp_service import modelbuild

    path = Settings().model_dir
    if not modelbuild.is_built(path):
        modelbuild.build_model(path)
    return path


@pytest.fixture(scope="session")
def corpus_paths(data_dir, tmp_path_factory) -> list[Path]:
    """Leiden, all Tweede Kamer documents and the first Belgian records (as their own JSONL)."""
    sample_dir = tmp_path_factory.mktemp("sample") / "dekamer-2017"
    sample_dir.mkdir()
    with open(data_dir / "dekamer-2017" / "questions.jsonl", encoding="utf-8") as src:
        lines = list(itertools.islice(src, BELGIAN_SAMPLE))
    (sample_dir / "questions.jsonl").write_text("".join(lines), encoding="utf-8")
    return [data_dir / "leiden", data_dir / "tweedekamer-2024" / "documents.csv", sample_dir / "questions.jsonl"]


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, model_dir, corpus_paths) -> Settings:
    """An index home holding ``corpus_paths``; tests must not write to it (copy it first)."""
    from nlp_service.pipeline import Indexer

    home = tmp_path_factory.mktemp("home")
    settings = load_settings(home=home, model_dir=model_dir)
    report = Indexer(settings).ingest_paths(corpus_paths)
    assert report.added > 100 and not report.failed, report.summary()
    return settings


@pytest.fixture(scope="session")
def engine(indexed_settings):
    from nlp_service.search import SearchEngine

    return SearchEngine(indexed_settings)


@pytest.fixture
def writable_settings(indexed_settings, tmp_path) -> Settings:
    """A private copy of the session index, for tests that write."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(indexed_settings.home, home, ignore=shutil.ignore_patterns("write.lock"))
    return indexed_settings.replace(home=home)
