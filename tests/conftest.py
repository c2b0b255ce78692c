"""Shared fixtures: the real shared corpus, and one real index built once per test session."""
from __future__ import annotations

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
    """The demo corpus's parts, with only the first Belgian records."""
    from nlp_service.demo import demo_paths

    return demo_paths(data_dir, tmp_path_factory.mktemp("sample"), belgian_records=BELGIAN_SAMPLE)


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, model_dir, corpus_paths) -> Settings:
    """An index home holding ``corpus_paths``; tests must not write to it (copy it first)."""
    from nlp_service.pipeline import Indexer

    home = tmp_path_factory.mktemp("home")
    # A cache kept between local runs (git-ignored); CI starts from a clean clone without it.
    cache = Path(__file__).parent / "output" / "embeddings.sqlite"
    cache.parent.mkdir(exist_ok=True)
    settings = load_settings(home=home, model_dir=model_dir, cache_file=str(cache))
    report = Indexer(settings).ingest_paths(corpus_paths)
    assert report.added > 100 and not report.failed, report.summary()
    return settings


@pytest.fixture(scope="session")
def engine(indexed_settings):
    from nlp_service.search import SearchEngine

    return SearchEngine(indexed_settings)


def copy_home(settings: Settings, home: Path) -> Settings:
    import shutil

    shutil.copytree(settings.home, home, ignore=shutil.ignore_patterns("write.lock"))
    return settings.replace(home=home)


@pytest.fixture
def writable_settings(indexed_settings, tmp_path) -> Settings:
    """A private copy of the session index, for tests that write."""
    return copy_home(indexed_settings, tmp_path / "home")


@pytest.fixture(scope="session")
def small_settings(tmp_path_factory, indexed_settings, data_dir) -> Settings:
    """A home with the Leiden letter only: for tests that rebuild the index many times."""
    from nlp_service.pipeline import Indexer

    settings = indexed_settings.replace(home=tmp_path_factory.mktemp("small"))
    Indexer(settings).ingest_paths([data_dir / "leiden"])
    return settings


@pytest.fixture
def small_writable_settings(small_settings, tmp_path) -> Settings:
    return copy_home(small_settings, tmp_path / "home")
