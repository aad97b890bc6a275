"""Page speed in a real browser: every page of every demo role opened in Debian's Chromium, time to usable.

"Usable" = from the click on the page's entry in the sidebar until its title is shown, Streamlit reports the
script run finished (no status widget) and the browser has drawn what the run sent (its main thread is idle: a
chart or table still being drawn when the run ends counts to its own page, not to the next one) — what a person
waits for before reading or typing. After the login the landing page is waited for the same way before the first
open (its time is reported apart, as 「ログイン後の表示」: it also loads the app's scripts in a new tab). Each browser
keeps one profile for its four logins, as a person's browser does (the app's scripts and their compiled code stay
cached; cookies are cleared between people). Each page is opened `--rounds` times per role (the first visit of a
session included: the server's caches are per process, so only the very first visit of the whole run is cold).
Run once with one browser (idle) and once with `--browsers 4` sessions at once. Each browser takes every role in
the same order, so that in the first round all four open the same page at the same moment (`--mixed-roles`: each
starts from another role, four people in different roles at once).

    .venv/bin/python -m bench.page_bench                # one browser, 3 rounds
    .venv/bin/python -m bench.page_bench --browsers 4   # four browsers at once

Starts its own `streamlit run` on a fresh demo warehouse (no Prefect server: opening pages runs no flow).
Prints p50/p95 per page and overall, and the slowest pages; targets: p95 ≤ 1.0 s idle, ≤ 2.0 s with four browsers.
Where the time goes: per open, the main-thread task time of the page's Chromium renderer (CDP Performance.getMetrics
TaskDuration: script, style, layout, paint) and the CPU seconds the server process used meanwhile (/proc; with more
than one browser the server's share also serves the others); per page their medians, and the whole run's totals.
Not a test: nothing here is asserted, and pytest never collects it.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"  # the desktop browser's build; --chromium chooses another (its headless shell)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROLES = {"executive": "executive-pass", "reviewer": "reviewer-pass", "editor1": "editor1-pass",
         "admin": "admin-pass"}
TARGETS = {1: 1.0, 4: 2.0}
LANDING = "ログイン後の表示"  # the login until the landing page is usable: reported apart, not one of the opens
DRAWN_JS = "() => new Promise(done => requestAnimationFrame(() => requestIdleCallback(done, {timeout: 10000})))"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_app(work: Path) -> tuple[subprocess.Popen, str]:
    db = work / "kpi.duckdb"
    env = {**os.environ, "KPI_DB": str(db), "PREFECT_API_URL": "http://127.0.0.1:9/api",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    subprocess.run([str(BIN / "kpi"), "demo", "--db", str(db)], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "streamlit"), "run", "app/streamlit_app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                            stdout=(work / "app.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app did not start; see {work / 'app.log'}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its finished children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _renderer_seconds(cdp) -> float:
    """Main-thread task time of the page's renderer so far (Chromium's Performance.getMetrics TaskDuration)."""
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "TaskDuration")


def _session(context, url: str, login: str, rounds: int, out: list[dict], server_pid: int) -> None:
    from playwright.sync_api import expect

    context.clear_cookies()  # the previous person's session is not this one's
    page = context.new_page()
    page.set_default_timeout(60_000)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(ROLES[login])
    renderer, server = _renderer_seconds(cdp), _cpu_seconds(server_pid)
    started = time.perf_counter()
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible(timeout=60_000)
    nav = page.get_by_test_id("stSidebarNav")
    titles = [t.split("\n")[-1].strip() for t in nav.locator("a").all_inner_texts()]
    seconds = _usable(page, titles[0]) - started
    out.append({"role": login, "page": LANDING, "round": 0, "seconds": seconds,
                "renderer_cpu": _renderer_seconds(cdp) - renderer, "server_cpu": _cpu_seconds(server_pid) - server})
    for r in range(rounds):
        for title in titles:
            renderer, server = _renderer_seconds(cdp), _cpu_seconds(server_pid)
            started = time.perf_counter()
            nav.get_by_text(title, exact=True).click()
            seconds = _usable(page, title) - started
            out.append({"role": login, "page": title, "round": r, "seconds": seconds,
                        "renderer_cpu": _renderer_seconds(cdp) - renderer,
                        "server_cpu": _cpu_seconds(server_pid) - server})
    page.close()


def _usable(page, title: str) -> float:
    """When the page titled `title` became usable (perf_counter): its title shown, the script run finished, and
    what the run sent drawn (the main thread idle: the next animation frame, then an idle period)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=60_000)
    page.wait_for_timeout(50)  # the status widget appears only after a short delay
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    page.evaluate(DRAWN_JS)
    return time.perf_counter() - 0.05


def role_order(k: int, mixed: bool = False) -> list[str]:
    """The logins browser k works through, each browser taking every role. By default all take them in the same
    order: four copies of one person, who in the first round open the same page at the same moment (the harder
    case, and the order of the earlier sessions' figures). With mixed each starts from another role (browser 0 the
    executive, browser 1 the reviewer, …): four people in different roles at once, as in an office."""
    roles = list(ROLES)
    start = k % len(roles) if mixed else 0
    return roles[start:] + roles[:start]


def _run(url: str, browsers: int, rounds: int, server_pid: int, chromium: str = CHROMIUM,
         mixed: bool = False) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results: list[dict] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        mine: list[dict] = []
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=ARGS)
            # one profile per browser, as a person's browser has: the app's scripts (immutable, cached for a year)
            # and their compiled code stay in its cache from one login to the next
            context = b.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
            try:
                for login in role_order(k, mixed):
                    try:
                        _session(context, url, login, rounds, mine, server_pid)
                    except AssertionError as exc:  # e.g. a click lost during a rerun under load: say so, go on
                        print(f"browser {k}, {login}: session stopped, its page did not open within 60 s: "
                              f"{str(exc).splitlines()[0]}", file=sys.stderr)
                        mine.append({"role": login, "page": None, "round": None, "seconds": None, "failed": True})
            finally:
                b.close()
        with lock:
            results.extend({**m, "browser": k} for m in mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(browsers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def report(results: list[dict], browsers: int) -> dict:
    """p50/p95 per (role, page) and overall; printed as a table."""
    failed = [r for r in results if r.get("failed")]
    results = [r for r in results if not r.get("failed")]
    landings = [r for r in results if r["page"] == LANDING]
    results = [r for r in results if r["page"] != LANDING]
    if failed:
        print(f"\n{len(failed)} session(s) stopped early (a page did not open within 60 s); their opens are missing")
    by_page: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        by_page.setdefault((r["role"], r["page"]), []).append(r)
    rows = []
    for (role, page), rs in by_page.items():
        xs = [r["seconds"] for r in rs]
        rows.append({"role": role, "page": page, "n": len(xs), "p50": statistics.median(xs), "p95": _pct(xs, 0.95),
                     "max": max(xs), "renderer_cpu_p50": statistics.median(r["renderer_cpu"] for r in rs),
                     "server_cpu_p50": statistics.median(r["server_cpu"] for r in rs)})
    every = [r["seconds"] for r in results]
    target = TARGETS.get(browsers, 2.0)
    print(f"\n{browsers} browser(s), {len(every)} page opens; target p95 ≤ {target:.1f} s per page")
    print(f"{'role':<10} {'page':<14} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'render':>7} {'server':>7}")
    for r in sorted(rows, key=lambda r: -r["p95"]):
        flag = "  over" if r["p95"] > target else ""
        print(f"{r['role']:<10} {r['page']:<14} {r['n']:>3} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['max']:>7.2f}"
              f" {r['renderer_cpu_p50']:>7.2f} {r['server_cpu_p50']:>7.2f}{flag}")
    first = [r["seconds"] for r in results if r["round"] == 0]
    later = [r["seconds"] for r in results if r["round"] > 0]
    landed = [r["seconds"] for r in landings]
    if landed:
        print(f"{LANDING} (from the login click until the landing page is usable, in a new tab; not an open): "
              f"n {len(landed)}, p50 {statistics.median(landed):.2f} s, max {max(landed):.2f} s")
    summary = {"browsers": browsers, "opens": len(every), "landing": landings, "p50": statistics.median(every),
               "p95": _pct(every, 0.95),
               "target_p95": target, "pages_over": sum(r["p95"] > target for r in rows), "pages": rows,
               "first_visit_p95": _pct(first, 0.95) if first else None,
               "later_visits_p95": _pct(later, 0.95) if later else None, "raw": results}
    print(f"overall p50 {summary['p50']:.2f} s, p95 {summary['p95']:.2f} s; pages over target: "
          f"{summary['pages_over']} of {len(rows)}; p95 of first visits {summary['first_visit_p95'] or 0:.2f} s, "
          f"of later visits {summary['later_visits_p95'] or 0:.2f} s; load average {os.getloadavg()[0]:.1f}")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write bench/results/pages_<n>.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--browsers", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument("--chromium", default=CHROMIUM,
                    help="the browser binary (e.g. /usr/bin/chromium-headless-shell, as the tests drive)")
    ap.add_argument("--mixed-roles", action="store_true",
                    help="each browser starts from another role (by default all take the roles in the same order)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_app(Path(tmp))
        try:
            server_cpu = _cpu_seconds(proc.pid)
            wall = time.perf_counter()
            results = _run(url, args.browsers, args.rounds, proc.pid, args.chromium, args.mixed_roles)
            wall, server_cpu = time.perf_counter() - wall, _cpu_seconds(proc.pid) - server_cpu
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    summary = report(results, args.browsers)
    summary["chromium"] = args.chromium
    summary["mixed_roles"] = args.mixed_roles
    summary["totals"] = {"wall_s": wall, "server_cpu_s": server_cpu,
                         "renderer_cpu_s": sum(r["renderer_cpu"] for r in results if not r.get("failed")),
                         "failed_sessions": sum(bool(r.get("failed")) for r in results)}
    print(f"whole run: {wall:.1f} s wall; CPU: server (streamlit) {server_cpu:.1f} s, the pages' renderer main "
          f"threads {summary['totals']['renderer_cpu_s']:.1f} s (2 cores = {2 * wall:.0f} CPU s available)")
    out = Path(args.out or ROOT / "bench" / "results" / f"pages_{args.browsers}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    if not (out.parent / ".gitignore").exists():
        (out.parent / ".gitignore").write_text("# benchmark output, never committed\n*\n", encoding="utf-8")
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
