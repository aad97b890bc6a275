"""The real app for browser tests: a local Prefect server and `streamlit run` on free ports, a fresh demo warehouse,
and Debian's Chromium driven by Playwright (never a downloaded browser)."""
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

import warehouse

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
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


@contextlib.contextmanager
def running_app(work: Path, prepare=None, template: Path | None = None):
    """A fresh demo warehouse under work (prepare(db) runs on it before the app starts), its Prefect server and
    the app; yields {"url", "db", "work"} and stops both afterwards. The warehouse is a copy of `template` (the
    run's demo file, `demo_db_template`) when given, else `kpi demo` builds it (≈25 s)."""
    db = work / "kpi.duckdb"
    prefect_port, app_port = _free_port(), _free_port()
    env = {**os.environ, "KPI_DB": str(db), "PREFECT_HOME": str(work / "prefect"),
           "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{work}/prefect/prefect.db",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    (work / "prefect").mkdir()
    if template is not None:
        shutil.copy(template, db)
    else:
        subprocess.run([str(BIN / "kpi"), "demo", "--db", str(db)], env=env, check=True, capture_output=True)
    if prepare is not None:
        prepare(db)
    prefect = _start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
                     env, work / "prefect.log")
    app = None
    try:
        _wait(f"http://127.0.0.1:{prefect_port}/api/health", 120, prefect, work / "prefect.log")
        app = _start([str(BIN / "streamlit"), "run", "app/streamlit_app.py", "--server.port", str(app_port),
                      "--server.headless", "true", "--server.address", "127.0.0.1"], env, work / "app.log")
        _wait(f"http://127.0.0.1:{app_port}/_stcore/health", 60, app, work / "app.log")
        yield {"url": f"http://127.0.0.1:{app_port}", "db": db, "work": work}
    finally:
        if app is not None:
            _stop(app)
        _stop(prefect)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, demo_db_template):
    """Base URL of the running app (demo data loaded), with its Prefect server; both stopped afterwards."""
    with running_app(tmp_path_factory.mktemp("live"), template=demo_db_template) as app:
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
    """Save a full-page screenshot under artifacts/browser/<test>/NN-name.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def shot(page, name: str) -> Path:
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


def idle(page: Page) -> None:
    """Wait until the app has finished its run (the status widget is gone)."""
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


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
