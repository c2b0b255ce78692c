"""Shared fixtures: the real shared corpus, one real index built once per test session, the
service over it, the command line run in-process, and the real HTTP server over it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from browsing import CHROMEDRIVER, CHROMIUM, OUTPUT, WAIT_S
from live_server import API_TOKEN

from nlp_service.config import Settings, apply_process_settings, load_settings
from nlp_service.home import LOCK_FILE

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
apply_process_settings(Settings())  # what the CLI and the WSGI factory do where a process starts

# Belgian records in the session index: enough for filters by party and date to bite,
# few enough that the suite embeds them in well under a minute.
BELGIAN_SAMPLE = 200
#: session fixtures that take longer than the per-test timeout (pyproject.toml) when their
#: caches are cold: the session index embeds ~2,900 texts, the model build converts and checks
SLOW_SESSION_FIXTURES = ("model_dir", "indexed_settings", "built_model")
SESSION_INDEX_TIMEOUT_S = 900


@pytest.hookimpl(trylast=True)  # after -m / -k deselection: the first test that really runs
def pytest_collection_modifyitems(items) -> None:
    """The first test to need a slow session fixture builds it inside its own timeout: give that
    one test room for the build; every other test keeps the short timeout that catches a hang."""
    for fixture in SLOW_SESSION_FIXTURES:
        first = next((item for item in items if fixture in getattr(item, "fixturenames", ())), None)
        if first is not None and first.get_closest_marker("timeout") is None:
            first.add_marker(pytest.mark.timeout(SESSION_INDEX_TIMEOUT_S))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Settings().data_dir
    if not path.exists():
        pytest.fail(f"shared data not found at {path}: set NLP_SERVICE_DATA")
    return path


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from nlp_service.model import build_model, is_built

    path = Settings().model_dir
    if not is_built(path):
        build_model(path)
    return path


@pytest.fixture(scope="session")
def corpus_paths(data_dir, tmp_path_factory) -> list[Path]:
    """The demo corpus's parts, with only the first Belgian records."""
    from nlp_service.demo import demo_paths

    return demo_paths(data_dir, tmp_path_factory.mktemp("sample"), belgian_records=BELGIAN_SAMPLE)


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, model_dir, corpus_paths) -> Settings:
    """An index home holding ``corpus_paths``; tests must not write to it (copy it first)."""
    from nlp_service.service import Service

    home = tmp_path_factory.mktemp("home")
    # A cache kept between local runs (git-ignored); CI starts from a clean clone without it.
    cache = Path(__file__).parent / "output" / "embeddings.sqlite"
    cache.parent.mkdir(exist_ok=True)
    settings = load_settings(home=home, model_dir=model_dir, cache_file=str(cache))
    report = Service(settings).ingest_paths(corpus_paths)
    assert report.added > 100 and not report.failed, report.summary()
    return settings


@pytest.fixture(scope="session")
def service(indexed_settings):
    """The service over the session index, as the CLI and the web app build it (read only)."""
    from nlp_service.service import Service

    return Service(indexed_settings)


@pytest.fixture(scope="session")
def engine(service):
    """The session service's search core, for tests of what is computed on it (trend, feeds)."""
    return service.engine


def copy_home(settings: Settings, home: Path) -> Settings:
    shutil.copytree(settings.home, home, ignore=shutil.ignore_patterns(LOCK_FILE))
    return settings.replace(home=home)


@pytest.fixture
def writable_settings(indexed_settings, tmp_path) -> Settings:
    """A private copy of the session index, for tests that write."""
    return copy_home(indexed_settings, tmp_path / "home")


@pytest.fixture
def writable_service(writable_settings, service):
    """A service over a private copy of the session index, sharing the session's loaded model."""
    from nlp_service.service import Service

    return Service(writable_settings, encoder=service.encoder)


@pytest.fixture(scope="session")
def small_settings(tmp_path_factory, indexed_settings, data_dir) -> Settings:
    """A home with the Leiden letter only: for tests that rebuild the index many times."""
    from nlp_service.service import Service

    settings = indexed_settings.replace(home=tmp_path_factory.mktemp("small"))
    Service(settings).ingest_paths([data_dir / "leiden"])
    return settings


@pytest.fixture
def small_writable_settings(small_settings, tmp_path) -> Settings:
    return copy_home(small_settings, tmp_path / "home")


# --- the command line, in-process ---------------------------------------------


@pytest.fixture
def cli():
    """``cli(*args, settings=S)`` runs ``nlp-service`` in-process; with ``settings`` its home,
    model and embedding cache come first, as an operator would give them."""
    from click.testing import CliRunner

    from nlp_service.cli import main

    def run(*args, settings: Settings | None = None, env: dict | None = None, catch_exceptions: bool = True):
        prefix = ["--home", str(settings.home), "--model-dir", str(settings.model_dir)] if settings else []
        if settings is not None:
            env = {"NLP_SERVICE_CACHE": str(settings.cache_path), **(env or {})}
        return CliRunner().invoke(main, [*prefix, *map(str, args)], env=env, catch_exceptions=catch_exceptions)

    return run


# --- the web app: Flask's test client for view logic, the real server for the HTTP stack ---


@pytest.fixture(scope="session")
def client(service):
    """Flask's test client over the session index; writing is off (no token)."""
    from nlp_service.service import Service
    from nlp_service.web import create_app

    return create_app(Service(service.settings.replace(api_token=""), encoder=service.encoder)).test_client()


@pytest.fixture(scope="module")
def base_url(service) -> str:
    """The real server (waitress in a thread) over the session index; writing is off (no token)."""
    from nlp_service.service import Service
    from nlp_service.web import create_app
    from nlp_service.web.server import serve_in_thread

    with serve_in_thread(create_app(Service(service.settings.replace(api_token=""), encoder=service.encoder))) as url:
        yield url


@pytest.fixture
def writable_url(writable_settings, service) -> str:
    """A real server with writing on (token ``API_TOKEN``, 1 MB uploads) over a private copy of the index."""
    from nlp_service.service import Service
    from nlp_service.web import create_app
    from nlp_service.web.server import serve_in_thread

    settings = writable_settings.replace(api_token=API_TOKEN, max_upload_mb=1)
    with serve_in_thread(create_app(Service(settings, encoder=service.encoder))) as url:
        yield url


# --- the browser -------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium, one per test module."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        reason = (f"browser test needs {' and '.join(missing)}: install Debian's chromium and "
                  "chromium-driver (scripts/test.sh does)")
        if os.environ.get("SKIP_BROWSER_TESTS") == "1":  # set by scripts/test.sh when it could not install them
            pytest.skip(reason)
        pytest.fail(reason, pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as ChromeService

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--lang=nl-NL", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=ChromeService(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
