"""Dashboard benchmark: `.venv/bin/python -m bench.dashboard_bench [--quick] [--keep]`.

Runs the dashboard script with Streamlit's AppTest (`app/streamlit_app.py`, logged in as the executive), cold
(every st.cache_data / st.cache_resource emptied first) and warm (a rerun of the same session), with the demo
warehouse and with a synthetic national-scale one (`build_scale_demo`: 1,788 organizations × 100 indicators ×
10 cycles; `--quick`: 40 × 20 × 4). Each warehouse is measured in its own subprocess, so the peak memory of the
app process (VmHWM, taken before the pandas comparison) is that warehouse's alone. In the same subprocess the
same figures the dashboard shows (band counts overall and per pillar, reasons by category, per-cycle band counts
and moves for the trends) are also computed in plain pandas over the same rows (read from the same views), and the
time is printed as a ratio. Then, for the national warehouse, each tab is opened once by a fresh process of its own
(`--tab-child`): the peak of a newly started process serving that tab first, nothing left from earlier runs.

`--keep` keeps the built national warehouse in $TMPDIR/kpi_dashboard_bench/ and reuses it on the next run.
Prints a table (figure, result, target, met) and writes bench/results/dashboard.json. Not a test: exit status 0
whenever the measurements ran, 1 when one could not run.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
ENTRYPOINT = str(ROOT / "app" / "streamlit_app.py")
FULL = {"orgs": 1788, "indicators": 100, "cycles": 10, "cold_reps": 3, "warm_reps": 5}
QUICK = {"orgs": 40, "indicators": 20, "cycles": 4, "cold_reps": 1, "warm_reps": 2}
TARGETS = {"demo": 0.5, "national_cold": 1.5, "warm": 0.3, "memory_mb": 600}


# ---- the child: one warehouse, one process -------------------------------------------------------------------


def _clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _dashboard_runs(db: str, cold_reps: int, warm_reps: int) -> dict:
    """The dashboard as the executive opens it (tab 概要), cold and warm; then each other tab opened cold.

    Wall and CPU seconds of the whole process (the script runs on AppTest's thread in this process). AppTest's
    one-off scan of installed packages for components (a server does it once at start) is done by a warm-up
    session and shared, and the pages' compiled code is kept between runs as a server keeps it (AppTest makes a
    new script cache on every run), so neither is counted in any run.
    """
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    from kpi.services import sessions
    from kpi.services.accounts import authenticate

    shared = ScriptCache()  # a server compiles each page once; AppTest would recompile on every run
    app_test.ScriptCache = lambda: shared
    actor = authenticate("executive", "executive-pass", db=db)
    token = sessions.open_session(actor, db=db)  # a logged-in session is the actor and its server-side token
    warmup = AppTest.from_file(ENTRYPOINT, default_timeout=600)
    warmup.session_state["actor"] = actor
    warmup.session_state["session_token"] = token
    warmup.run()  # imports, page compilation, the component scan: not part of a script run
    if warmup.exception:
        raise RuntimeError(f"dashboard failed: {warmup.exception}")

    def session(tab: str | None = None) -> AppTest:
        at = AppTest.from_file(ENTRYPOINT, default_timeout=600)
        at._bidi_component_manager = warmup._bidi_component_manager  # noqa: SLF001 - harness cost, see above
        at.session_state["actor"] = actor
        at.session_state["session_token"] = token
        if tab:
            at.session_state["tab"] = tab
        return at

    def timed(at: AppTest) -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        at.run()
        if at.exception:
            raise RuntimeError(f"dashboard failed: {at.exception}")
        return time.perf_counter() - t0, time.process_time() - c0

    cold, warm, metrics = [], [], {}
    for _ in range(cold_reps):
        _clear_streamlit_caches()
        at = session()
        cold.append(timed(at))
        metrics = {m.label: m.value for m in at.metric}
    for _ in range(warm_reps):
        warm.append(timed(at))
    overview_mb = _peak_mb()  # the dashboard as it opens (概要), cold and warm
    tabs, tab_mb = {}, {}
    for tab in ("指標一覧", "要因", "推移"):
        _clear_streamlit_caches()
        _reset_peak()
        tabs[tab] = timed(session(tab))
        tab_mb[tab] = _peak_mb()  # from what the process held before this tab to its peak while it ran
    med = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    return {"cold_s": med(cold, 0), "cold_cpu_s": med(cold, 1), "warm_s": med(warm, 0), "warm_cpu_s": med(warm, 1),
            "cold_all": cold, "warm_all": warm, "tabs_cold": tabs, "metrics": metrics,
            "overview_maxrss_mb": overview_mb, "tabs_maxrss_mb": tab_mb,
            "app_maxrss_mb": max([overview_mb, *tab_mb.values()])}


def _ours(db: str) -> tuple[float, dict]:
    """The same figures through the services (caches bypassed), for the pandas comparison."""
    from kpi.services import queries, summaries

    t0 = time.perf_counter()
    fy = _latest_year(db)
    view = summaries.load_frame(fy, db=db)
    groups = summaries.band_groups(view)
    reasons = queries.reasons_of(view, db=db, limit=50)
    trends = queries.trends_document(db=db, limit=50)
    seconds = time.perf_counter() - t0
    return seconds, {"all": groups[0].as_dict()["counts"], "reasons": {c["code"]: c["total"] for c in reasons["categories"]},
                     "cycles": {c["fiscal_year"]: c["counts"] for c in trends["cycles"]},
                     "moved": trends["moved_total"]}


def _latest_year(db: str) -> int:
    import warehouse
    from warehouse import insights as sql

    with warehouse.connect(db) as con:
        return sql.approved_years(con)[-1]["fiscal_year"]


_PANDAS_SQL = """
SELECT v.cycle_id, v.fiscal_year, v.code, v.pillar_no, v.target_type, v.direction,
       CAST(v.baseline_value AS DOUBLE) AS b, CAST(v.target_value AS DOUBLE) AS t,
       CAST(v.value_number AS DOUBLE) AS a, v.qualitative_achieved AS q, v.stopped_in_cycle AS stopped,
       v.reason_category
FROM cycle_approved_values(?::INTEGER[]) v"""  # the approved values of the listed cycles (migration 009)


def _pandas(db: str) -> tuple[float, dict]:
    """Plain pandas over the same rows: float rates, np.select bands, groupby counts, a merge for the moves."""
    import numpy as np
    import pandas as pd

    import warehouse
    from warehouse import insights as sql

    t0 = time.perf_counter()
    with warehouse.connect(db) as con:
        years = sql.approved_years(con)
        ids = [y["cycle_id"] for y in years]
        df = con.execute(_PANDAS_SQL, [ids]).df()
    a, b, t = df["a"], df["b"], df["t"]
    higher = df["direction"] == "higher"
    with np.errstate(divide="ignore", invalid="ignore"):
        prog = np.where(b.isna(), np.where(higher, a / t, np.where(a == 0, 1.0, t / a)),
                        np.where(higher, (a - b) / (t - b), (b - a) / (b - t)))
    bad = (t.isna() | (b.notna() & ((t == b) | (higher & (b > t)) | (~higher & (b < t))))
           | (b.isna() & ((t < 0) | (a < 0) | (higher & (t == 0)))))
    rate = np.select(
        [df["target_type"] == "qualitative", df["target_type"] == "increase", df["target_type"] == "decrease",
         df["target_type"] == "numeric"],
        [df["q"].map({True: 1.0, False: 0.0}), np.where(b.isna(), np.nan, (a > b).astype(float)),
         np.where(b.isna(), np.nan, (a < b).astype(float)), np.where(bad, np.nan, prog)], np.nan)
    rate = np.where(a.isna() & (df["target_type"] != "qualitative"), np.nan, rate)
    band = np.select([rate >= 1, rate >= 0.6, rate >= 0.3, rate < 0.3],
                     ["achieved", "band_60_100", "band_30_60", "band_under_30"], None)
    df["band"] = np.where(df["stopped"].fillna(False), "stopped", band)
    latest = df[df["cycle_id"] == ids[-1]]
    counts = latest.groupby("band").size().to_dict()
    latest.groupby(["pillar_no", "band"]).size()
    unachieved = latest[latest["band"].isin(["band_60_100", "band_30_60", "band_under_30"])]
    reasons = unachieved.groupby(unachieved["reason_category"].fillna("-"))["code"].count().to_dict()
    per_cycle = df.groupby(["fiscal_year", "band"]).size().unstack(fill_value=0).to_dict("index")
    rank = df["band"].map({"band_under_30": 0, "band_30_60": 1, "band_60_100": 2, "achieved": 3})
    ranked = df.assign(rank=rank).dropna(subset=["rank"])
    moved = 0
    if len(ids) > 1:
        cur = ranked[ranked["cycle_id"] == ids[-1]][["code", "rank"]]
        prev = ranked[ranked["cycle_id"] == ids[-2]][["code", "rank"]]
        m = cur.merge(prev, on="code", suffixes=("", "_prev"))
        moved = int((m["rank"] != m["rank_prev"]).sum())
    seconds = time.perf_counter() - t0
    return seconds, {"all": {k: int(v) for k, v in counts.items()}, "reasons": reasons,
                     "cycles": {int(k): {b: int(n) for b, n in v.items()} for k, v in per_cycle.items()},
                     "moved": moved}


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM (reset by exec, unlike ru_maxrss, which a child started by a
    big parent inherits), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start VmHWM again from the present resident size (Linux: 5 > /proc/self/clear_refs), so the next peak
    read is that of what runs next; nothing happens where the file cannot be written."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def tab_child(db: str, tab: str) -> dict:
    """One tab opened once by a fresh process (imports, login, the component scan and the run itself): the peak
    a newly started server process reaches serving that tab first, with nothing left over from earlier runs."""
    from streamlit.testing.v1 import AppTest

    from kpi.services import sessions
    from kpi.services.accounts import authenticate

    os.environ["KPI_DB"] = db
    actor = authenticate("executive", "executive-pass", db=db)
    token = sessions.open_session(actor, db=db)  # a logged-in session is the actor and its server-side token
    at = AppTest.from_file(ENTRYPOINT, default_timeout=600)
    at.session_state["actor"] = actor
    at.session_state["session_token"] = token
    if tab != "概要":
        at.session_state["tab"] = tab
    at.run()
    if at.exception:
        raise RuntimeError(f"dashboard failed: {at.exception}")
    return {"tab": tab, "maxrss_mb": _peak_mb()}


TABS = ("概要", "指標一覧", "要因", "推移")


def child(db: str, cold_reps: int, warm_reps: int) -> dict:
    """Everything measured for one warehouse, in this (fresh) process."""
    os.environ["KPI_DB"] = db
    out = _dashboard_runs(db, cold_reps, warm_reps)
    ours_s, ours = _ours(db)
    pandas_s, pan = _pandas(db)
    nonzero = {k: v for k, v in ours["all"].items() if v}
    differ = {fy: {k: (v, pan["cycles"].get(fy, {}).get(k, 0)) for k, v in c.items()
                   if v != pan["cycles"].get(fy, {}).get(k, 0)} for fy, c in ours["cycles"].items()}
    differ = {fy: d for fy, d in differ.items() if d}
    same = nonzero == pan["all"] and ours["moved"] == pan["moved"] and not differ
    out.update({"ours_queries_s": ours_s, "pandas_queries_s": pandas_s, "pandas_ratio": pandas_s / ours_s,
                "pandas_same_counts": same, "pandas_differences": {str(k): v for k, v in differ.items()},
                "counts": ours["all"], "moved": ours["moved"], "pandas_moved": pan["moved"],
                "maxrss_mb": max(out["app_maxrss_mb"], _peak_mb())})  # the whole child, pandas included
    return out


# ---- the parent: build, run the children, print ----------------------------------------------------------------


def _measure(db: Path, sizes: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.dashboard_bench", "--child", str(db),
                           "--reps", str(sizes["cold_reps"]), str(sizes["warm_reps"])],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "KPI_DB": str(db)})
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fresh_tabs(db: Path) -> dict[str, float]:
    """Peak memory of a fresh process per tab (tab_child), one after another."""
    out = {}
    for tab in TABS:
        proc = subprocess.run([sys.executable, "-m", "bench.dashboard_bench", "--tab-child", str(db), tab],
                              cwd=ROOT, capture_output=True, text=True, env={**os.environ, "KPI_DB": str(db)})
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        out[tab] = json.loads(proc.stdout.strip().splitlines()[-1])["maxrss_mb"]
    return out


def _national(folder: Path, sizes: dict, keep: bool) -> tuple[Path, float | None]:
    import warehouse
    from kpi.demo.scale import build_scale_demo, describe

    db = folder / f"national_{sizes['orgs']}x{sizes['indicators']}x{sizes['cycles']}.duckdb"
    if keep and db.exists():
        warehouse.init_db(db)  # a warehouse kept from an earlier run gets the migrations added since
        d = describe(db)
        print(f"reusing {db} ({d['values']:,} values)", flush=True)
        return db, None
    t0 = time.perf_counter()
    build_scale_demo(db, orgs=sizes["orgs"], indicators=sizes["indicators"], cycles=sizes["cycles"], overwrite=True)
    return db, time.perf_counter() - t0


def _row(figure: str, result: float | None, target: float | None, unit: str = "s", cpu: float | None = None):
    if result is None:
        return (figure, "—", "—", "—")
    met = "—" if target is None else ("yes" if result <= target else "NO")
    fmt = (lambda x: f"{x:.3f} s") if unit == "s" else (lambda x: f"{x:.0f} MB") if unit == "MB" else (lambda x: f"{x:.1f}×")
    shown = fmt(result) + (f" (cpu {cpu:.3f} s)" if cpu is not None else "")
    return (figure, shown, "—" if target is None else "≤ " + fmt(target), met)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small national warehouse (60 × 30 × 5), under a minute")
    ap.add_argument("--keep", action="store_true", help="keep and reuse the national warehouse")
    ap.add_argument("--out", default=str(RESULTS / "dashboard.json"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--reps", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tab-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.tab_child:
        print(json.dumps(tab_child(*args.tab_child)))
        return 0
    if args.child:
        print(json.dumps(child(args.child, *args.reps), default=str))
        return 0

    sizes = QUICK if args.quick else FULL
    folder = Path(tempfile.gettempdir()) / "kpi_dashboard_bench" if args.keep else Path(tempfile.mkdtemp(prefix="dash_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    print(f"dashboard benchmark {started:%Y-%m-%d %H:%M} UTC, {'quick' if args.quick else 'full'}: "
          f"{sizes['orgs']} orgs × {sizes['indicators']} indicators × {sizes['cycles']} cycles; load {os.getloadavg()[0]:.1f}",
          flush=True)
    results: dict = {"started": started.isoformat(), "sizes": sizes, "quick": args.quick}
    ok = True
    try:
        from kpi.demo.seed import load_demo

        demo = folder / "demo.duckdb"
        if not (args.keep and demo.exists()):
            demo.unlink(missing_ok=True)
            load_demo(demo)
        else:
            import warehouse

            warehouse.init_db(demo)  # kept from an earlier run: add the migrations added since
        national, build_s = _national(folder, sizes, args.keep)
        results["build_national_s"] = build_s
        for name, db in (("demo", demo), ("national", national)):
            print(f"measuring {name} …", flush=True)
            try:
                results[name] = _measure(db, sizes)
                if name == "national":
                    results[name]["fresh_tabs_maxrss_mb"] = _fresh_tabs(db)
            except Exception as exc:  # noqa: BLE001 - reported, the other warehouse still runs
                ok = False
                results[name] = {"error": str(exc)}
                print(f"{name} failed:\n{exc}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    d, n = results.get("demo", {}), results.get("national", {})
    rows = [
        _row("demo: dashboard run, cold cache", d.get("cold_s"), TARGETS["demo"], cpu=d.get("cold_cpu_s")),
        _row("demo: dashboard run, warm cache", d.get("warm_s"), min(TARGETS["demo"], TARGETS["warm"]),
             cpu=d.get("warm_cpu_s")),
        _row("national: dashboard run, cold cache", n.get("cold_s"), TARGETS["national_cold"], cpu=n.get("cold_cpu_s")),
        _row("national: dashboard run, warm cache", n.get("warm_s"), TARGETS["warm"], cpu=n.get("warm_cpu_s")),
        *[_row(f"national: tab {tab} opened, cold cache", w, None, cpu=c)
          for tab, (w, c) in (n.get("tabs_cold") or {}).items()],
        *[_row(f"demo: tab {tab} opened, cold cache", w, None, cpu=c)
          for tab, (w, c) in (d.get("tabs_cold") or {}).items()],
        _row("national: peak memory of the app process", n.get("app_maxrss_mb"), TARGETS["memory_mb"], "MB"),
        _row("national: peak memory, dashboard (概要) cold + warm", n.get("overview_maxrss_mb"), TARGETS["memory_mb"],
             "MB"),
        *[_row(f"national: peak memory, tab {tab} opened cold", mb, TARGETS["memory_mb"], "MB")
          for tab, mb in (n.get("tabs_maxrss_mb") or {}).items()],
        *[_row(f"national: peak memory, fresh process opening tab {tab}", mb, TARGETS["memory_mb"], "MB")
          for tab, mb in (n.get("fresh_tabs_maxrss_mb") or {}).items()],
        _row("demo: peak memory of the app process", d.get("app_maxrss_mb"), None, "MB"),
        _row("national: same figures, ours (Polars, exact)", n.get("ours_queries_s"), None),
        _row("national: same figures, plain pandas (floats)", n.get("pandas_queries_s"), None),
        _row("national: pandas time / ours", n.get("pandas_ratio"), None, "x"),
        _row("demo: pandas time / ours", d.get("pandas_ratio"), None, "x"),
    ]
    widths = [max(_width(r[i]) for r in rows + [("figure", "result", "target", "met")]) for i in range(4)]
    print()
    for r in [("figure", "result", "target", "met"), *rows]:
        print("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)))
    if n.get("metrics"):
        print(f"\nnational headline: {n['metrics']}; pandas gives the same counts: {n.get('pandas_same_counts')}")
        if n.get("pandas_differences") or n.get("moved") != n.get("pandas_moved"):
            print(f"  (ours, pandas) where they differ: {n.get('pandas_differences')}; moved "
                  f"{n.get('moved')} vs {n.get('pandas_moved')} — float rates put exact boundary values in the band below")
    if d.get("metrics"):
        print(f"demo headline: {d['metrics']}; pandas gives the same counts: {d.get('pandas_same_counts')}"
              " (the pandas version has no composite targets; the demo has one)")
    if args.quick:
        print("(--quick: the national targets are set for the full size; 'met' is indicative only)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"written {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
