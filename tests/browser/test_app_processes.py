"""`scripts/run.sh --processes 2`: two Streamlit processes behind haproxy on one address, in Chromium.

Each browser stays on one process (haproxy's KPI_APP cookie; Streamlit's WebSocket goes through the proxy), both
processes work on the one warehouse file (a save through one is what the other shows), a browser whose process is
killed goes on, still logged in, on the other one while the killed process is started again, and a SIGTERM to
run.sh stops what it started. The app is started exactly as a person would start it, on a temporary data folder and ports.
"""
from __future__ import annotations

import json
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
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import idle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 45_000
expect.set_options(timeout=TIMEOUT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def proxied_app(tmp_path_factory, demo_db_template):
    """run.sh --processes 2 on a data folder and ports of its own; everything it started is gone afterwards.

    The data folder starts with a copy of the run's demo warehouse (`demo_db_template`), so run.sh's
    `kpi init --demo` finds the demo already loaded instead of building it again (≈25 s)."""
    work = tmp_path_factory.mktemp("processes")
    (work / "data").mkdir()
    shutil.copy(demo_db_template, work / "data" / "kpi.duckdb")
    port, prefect_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPI_", "PREFECT_", "STREAMLIT_"))}
    # a killed process is started again after 10 s (scripts/supervise.sh): the browser of the killed process asks
    # again at once, so haproxy has moved it (and its cookie) to the other process before the restart
    env.update(KPI_DATA_DIR=str(work / "data"), KPI_PORT=str(port), PREFECT_PORT=str(prefect_port),
               KPI_RESTART_DELAY_S="10")
    log = work / "run.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh", "--processes", "2"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 400
        while not answers(f"{url}/_stcore/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"run.sh --processes 2 did not serve {url}:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield {"url": url, "db": work / "data" / "kpi.duckdb", "proc": proc, "log": log, "work": work}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def backend_ports(app) -> dict[str, int]:
    """haproxy's servers (data/haproxy.cfg): cookie value (app1, app2) → the Streamlit process's loopback port."""
    cfg = (app["work"] / "data" / "haproxy.cfg").read_text()
    servers = [line.split() for line in cfg.splitlines() if line.strip().startswith("server ")]
    return {words[1]: int(words[2].rsplit(":", 1)[1]) for words in servers}


def streamlit_pid(port: int) -> int:
    """The Streamlit process serving on `port` (not the supervise.sh around it)."""
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"run" in argv and any(a.endswith(b"streamlit") for a in argv) and str(port).encode() in argv \
                and not any(a.endswith(b"supervise.sh") for a in argv):
            return int(proc.name)
    raise AssertionError(f"no Streamlit process on port {port}")


def login(browser, url: str, who: str) -> tuple[BrowserContext, Page]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    page.goto(url)
    page.get_by_label("ログインID").fill(who)
    page.get_by_label("パスワード").fill(f"{who}-pass")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    return ctx, page


def served_by(ctx: BrowserContext) -> str:
    """The Streamlit process haproxy keeps this browser on (its KPI_APP cookie: app1, app2)."""
    return next(c["value"] for c in ctx.cookies() if c["name"] == "KPI_APP")


def entry_page(page: Page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text("入力", exact=True).click()
    expect(page.get_by_role("heading", name="入力", exact=True)).to_be_visible()
    idle(page)


def card(page: Page, code: str):
    return (page.get_by_test_id("stVerticalBlock").filter(has_text=code)
            .filter(has=page.get_by_text("達成率（入力値による）")).last)


def test_two_processes_behind_one_address_share_the_warehouse_and_stop_together(proxied_app, browser, shots):
    url = proxied_app["url"]
    ctx_a, page_a = login(browser, url, "editor-joho")
    contexts = [ctx_a]
    try:
        first = served_by(ctx_a)
        # a second person, on the other process (round robin gives each new browser the next one)
        for _ in range(4):
            ctx_b, page_b = login(browser, url, "editor-joho")
            contexts.append(ctx_b)
            if served_by(ctx_b) != first:
                break
        assert {first, served_by(ctx_b)} == {"app1", "app2"}, [served_by(c) for c in contexts]

        # A saves through one process …
        entry_page(page_a)
        field = card(page_a, "P2-1-01").get_by_label("値（件）")
        field.fill("1300")
        field.press("Tab")
        idle(page_a)
        card(page_a, "P2-1-01").get_by_role("combobox", name="区分（提出時に必須）").click()
        page_a.get_by_role("option", name="実績値", exact=True).click()
        idle(page_a)
        page_a.get_by_role("button", name="下書き保存").click()
        expect(page_a.get_by_text("1件を下書きとして保存しました")).to_be_visible()
        shots(page_a, "saved-through-" + first)

        # … and B, on the other process, reads it from the same warehouse file.
        entry_page(page_b)
        expect(card(page_b, "P2-1-01").get_by_label("値（件）")).to_have_value("1,300件")
        shots(page_b, "read-through-" + served_by(ctx_b))
        assert (served_by(ctx_a), served_by(ctx_b)) == (first, served_by(ctx_b))  # still sticky

        # kill -9 of B's process: haproxy sends B to the other one, where B is still logged in (the session is in
        # the warehouse) and reads the same value; supervise.sh starts the killed process again.
        port_b = backend_ports(proxied_app)[served_by(ctx_b)]
        os.kill(streamlit_pid(port_b), signal.SIGKILL)
        # (opened from the start page: a reload of 入力 itself sometimes shows a stored field empty, in one process
        # too — see docs/scale-out.md)
        page_b.goto(url)
        expect(page_b.get_by_role("button", name="ログアウト")).to_be_visible()
        entry_page(page_b)
        expect(card(page_b, "P2-1-01").get_by_label("値（件）")).to_have_value("1,300件")
        assert served_by(ctx_b) == first
        deadline = time.monotonic() + 150
        while not answers(f"http://127.0.0.1:{port_b}/_stcore/health"):
            assert time.monotonic() < deadline, "the killed Streamlit process was not started again"
            time.sleep(1)

        out = subprocess.run([str(BIN / "kpi"), "values", "--db", str(proxied_app["db"]), "--cycle", "2022",
                              "--department", "JOHO", "--format", "json"], capture_output=True, text=True, check=True)
        assert {r["code"]: r for r in json.loads(out.stdout)}["P2-1-01"]["value_text"] == "1,300件"
    finally:
        for ctx in contexts:
            ctx.close()

    # SIGTERM to run.sh stops haproxy, both Streamlit processes, flows.serve and the Prefect server it started.
    backends = [f"127.0.0.1:{p}" for p in backend_ports(proxied_app).values()]
    assert len(backends) == 2
    proc = proxied_app["proc"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=90)
    for address in [url.removeprefix("http://"), *backends]:
        assert not answers(f"http://{address}/_stcore/health"), f"{address} still answers after run.sh stopped"
