"""The real app for browser tests: a local Prefect server and `streamlit run` on free ports, a fresh demo warehouse,
and Debian's Chromium driven by Playwright (never a downloaded browser): its headless build,
`chromium-headless-shell` (the same Blink and V8 as /usr/bin/chromium, without the desktop browser's window
machinery; measured on two walks: 12 % less CPU, 140 → 127 s), since no test looks at a screen."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import warehouse

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT = 45_000
expect.set_options(timeout=TIMEOUT)  # a save runs a Prefect flow; the first one in the app process takes seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log}")


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


BASE_ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}


@contextlib.contextmanager
def prefect_server(work: Path):
    """A local Prefect server (SQLite under work) on a free port; yields its API URL and stops it afterwards."""
    port = _free_port()
    env = {**os.environ, **BASE_ENV, "PREFECT_HOME": str(work / "prefect"),
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{work}/prefect/prefect.db"}
    (work / "prefect").mkdir(parents=True, exist_ok=True)
    proc = _start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env,
                  work / "prefect.log")
    try:
        _wait(f"http://127.0.0.1:{port}/api/health", 120, proc, work / "prefect.log")
        yield f"http://127.0.0.1:{port}/api"
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """The API URL of one Prefect server shared by the browser tests' apps of this worker (each app has its own
    warehouse and PREFECT_HOME; a server holds nothing an app reads back but the runs it reports): one server start
    (several seconds of CPU) per worker instead of one per app."""
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as url:
        yield url


@contextlib.contextmanager
def running_app(work: Path, prepare=None, template: Path | None = None, prefect_api: str | None = None):
    """A fresh demo warehouse under work (prepare(db) runs on it before the app starts) and the app on it, with
    the Prefect server at `prefect_api` (the worker's shared one, fixture `prefect_api`) or, when None, a server of
    its own; yields {"url", "db", "work"} and stops what it started afterwards. The warehouse is a copy of
    `template` (the run's demo file, `demo_db_template`) when given, else `kpi demo` builds it (≈25 s)."""
    db = work / "kpi.duckdb"
    app_port = _free_port()
    with contextlib.ExitStack() as stack:
        if prefect_api is None:  # started first: it boots while the warehouse is prepared
            prefect_api = stack.enter_context(prefect_server(work / "own-prefect"))
        env = {**os.environ, **BASE_ENV, "KPI_DB": str(db), "PREFECT_HOME": str(work / "prefect"),
               "PREFECT_API_URL": prefect_api}
        (work / "prefect").mkdir()
        if template is not None:
            shutil.copy(template, db)
        else:
            subprocess.run([str(BIN / "kpi"), "demo", "--db", str(db)], env=env, check=True, capture_output=True)
        if prepare is not None:
            prepare(db)
        app = _start([str(BIN / "streamlit"), "run", "app/streamlit_app.py", "--server.port", str(app_port),
                      "--server.headless", "true", "--server.address", "127.0.0.1"], env, work / "app.log")
        stack.callback(_stop, app)
        _wait(f"http://127.0.0.1:{app_port}/_stcore/health", 60, app, work / "app.log")
        yield {"url": f"http://127.0.0.1:{app_port}", "db": db, "work": work}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, demo_db_template, prefect_api):
    """Base URL of the running app (demo data loaded) on the worker's Prefect server; stopped afterwards."""
    with running_app(tmp_path_factory.mktemp("live"), template=demo_db_template, prefect_api=prefect_api) as app:
        yield app


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser_deps.sh (the test command does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(request):
    """Save a full-page screenshot under artifacts/browser/<test>/NN-name.png — when taken while a failure is on its
    way (in an `except` or `finally` a failing step reached), or for every step with KPI_SCREENSHOTS=1. A full-page
    shot of every step cost about a tenth of the browser tests' time, for pictures nobody looks at when all pass."""
    folder = ARTIFACTS / request.node.name
    counter = iter(range(1, 1000))
    every = os.environ.get("KPI_SCREENSHOTS") == "1"

    def shot(page, name: str) -> Path | None:
        if not every and sys.exc_info()[0] is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(300)
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


# --- the walks' shared steps: log in and out, move between pages, wait for a run, read the warehouse ---------------

def login(page: Page, url: str, login_id: str, password: str | None = None) -> None:
    """Open the app and log in (the demo's password is `<login>-pass` unless given)."""
    page.goto(url)
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(password or f"{login_id}-pass")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible(timeout=TIMEOUT)


def logout(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_label("ログインID")).to_be_visible(timeout=TIMEOUT)


def nav(page: Page, title: str) -> None:
    """Open a page from the sidebar and wait for its title."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT)


RUNNING = "[data-testid=stApp]:not([data-test-script-state=notRunning]), [data-testid=stStatusWidget]"
NOT_RUNNING = "[data-testid=stApp][data-test-script-state=notRunning]"


def idle(page: Page, start_within_ms: int = 500) -> None:
    """Wait until the run the last action asked for has finished. The browser learns that a run started only from
    the server, so first wait (at most start_within_ms) for it to start — Streamlit's script state on the app root
    leaves `notRunning` or its status widget appears — then for the state to be `notRunning` with no status widget.
    A run that starts at once is waited for from its start, not after a fixed pause; one that has not started
    within start_within_ms is taken as done, as the fixed pause did."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector(RUNNING, state="attached", timeout=start_within_ms)
    expect(page.locator(NOT_RUNNING)).to_have_count(1, timeout=TIMEOUT)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def act_until_shown(page: Page, act, shown, *, tries: int = 3, wait_ms: int = 10_000) -> None:
    """act(), then wait for `shown`; an action that landed on what a rerun was still drawing is lost (keys typed
    into the old box, a click on a grid not yet drawn), so after wait_ms wait for the run to end and act again,
    at most `tries` times. The last try's wait is left to the caller's own expect."""
    for _ in range(tries):
        idle(page)
        act()
        try:
            shown.wait_for(timeout=wait_ms)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")  # closes an open option list; nothing else on the pages listens to it


def choose(page: Page, scope, label: str, option: str) -> None:
    """Pick an option (matched exactly: 承認済 is not 所属長承認済) in the selectbox labelled `label` within scope."""
    scope.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def entry_card(page: Page, name: str):
    """The bordered block of one indicator on the entry page (the innermost block holding its name and rate)."""
    return (page.get_by_test_id("stVerticalBlock").filter(has_text=name)
            .filter(has=page.get_by_text("達成率（入力値による）")).last)


def rows(db, sql: str, params: list | tuple = ()) -> list[tuple]:
    """What the warehouse holds (a read on its own connection)."""
    with warehouse.connect(db) as con:
        return con.execute(sql, list(params)).fetchall()


def head_approves(page: Page, url: str, n: int, head: str = "head1") -> None:
    """A department head (所属長; head1 is GYOKAKU's) approves n submitted values one by one: the demo's chain
    担当 → 所属長 → 行政改革推進課."""
    login(page, url, head)
    nav(page, "所属長承認")
    approve = page.get_by_role("button", name="承認", exact=True)
    for _ in range(n):
        expect(approve).to_have_count(1)  # the page has finished its rerun
        approve.click()
        expect(page.get_by_text("を承認しました")).to_be_visible()
        idle(page)
    expect(page.get_by_text("該当する値はありません")).to_be_visible()
    logout(page)
