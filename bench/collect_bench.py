"""Collection benchmarks: `.venv/bin/python -m bench.collect_bench [--quick]`.

1. A form save of a department with 20 indicators, click → landed drafts, through the collect flow on a local
   Prefect server (median, p95), and our own part of it (intake.process, no Prefect).
2. A workbook of 10,000 rows through `kpi collect`, end to end, via the flow and with --no-flow, with a
   breakdown of where the time goes.
3. validate_cycle over 1,000,000 values of one cycle, against the same rules as a per-row Python loop.

The benchmark starts its own Prefect server (`prefect server start`, SQLite under a temporary PREFECT_HOME) on a
free port and stops it at the end. It prints a table and writes the figures to bench/results/latest.json.
Exit status: 0 when every benchmark ran (whether or not it met its target), 1 when one of them (or one of its
measurements) failed to run.
`--quick` makes everything small (a smoke run well under a minute on 2 cores); its "met" column is indicative
only, because the targets are set for the full sizes.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path

# Before anything imports prefect: the benchmark's own Prefect settings are put in os.environ in main().
from bench.prefect_local import LocalPrefectServer
from bench.report import Section, Target, now, secs, table

RESULTS = Path(__file__).resolve().parent / "results"

FULL = {"form_reps": 20, "workbook_rows": 10_000, "workbook_again": True, "sweep_values": 1_000_000,
        "python_sample": 100_000}
QUICK = {"form_reps": 5, "workbook_rows": 200, "workbook_again": False, "sweep_values": 10_000,
         "python_sample": 2_000}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("prefect", "duckdb", "polars", "fastexcel", "xlsxwriter"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - a version string is informative only
            out[name] = "?"
    return out


def _section(name: str, fn, *args, **kwargs) -> Section:
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:  # a failing benchmark is reported, the others still run
        if isinstance(exc, KeyboardInterrupt):
            raise
        sec = Section(name)
        sec.error = f"{type(exc).__name__}: {exc}"
        sec.notes.append(traceback.format_exc())
        print(traceback.format_exc(), file=sys.stderr)
        return sec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.collect_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run, under a minute)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where to write the JSON figures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (warehouses, workbook, logs)")
    parser.add_argument("--only", choices=("form_save", "workbook", "sweep"), action="append",
                        help="run only these benchmarks (repeatable); the default runs all three")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    mode = "quick" if args.quick else "full"
    started = now()
    work = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    server = LocalPrefectServer(work / "prefect")
    os.environ.update(server.env())  # before prefect is imported anywhere in this process
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")  # keep the table readable
    sections: list[Section] = []
    setup: dict[str, float] = {}
    print(f"kpi collect benchmarks ({mode}); work folder {work}", flush=True)
    try:
        server.start()
        # Build the warehouses while the server boots.
        from bench import cycle_sweep, form_save, synth, workbook_import

        t0 = now()
        base = synth.demo_base(work / "demo.duckdb")
        setup["load_demo_s"] = now() - t0
        def wanted(name: str) -> bool:
            return not args.only or name in args.only

        form_db = big_db = sweep_db = big_rows = None
        if wanted("form_save"):
            t0 = now()
            form_db = synth.copy_db(base, work / "form.duckdb")
            synth.add_form_department(form_db)
            setup["form_warehouse_s"] = now() - t0
        if wanted("workbook"):
            t0 = now()
            big_db = synth.copy_db(base, work / "big.duckdb")
            big = synth.add_big_department(big_db, sizes["workbook_rows"])
            big_rows = synth.big_workbook_rows(big)
            setup["workbook_warehouse_s"] = now() - t0
        if wanted("sweep"):
            t0 = now()
            sweep_db = synth.copy_db(base, work / "sweep.duckdb")
            synth.add_sweep_values(sweep_db, sizes["sweep_values"])
            setup["sweep_warehouse_s"] = now() - t0
        print("warehouses built: " + ", ".join(f"{k} {secs(v)}" for k, v in setup.items()), flush=True)
        setup["prefect_server_ready_s"] = server.wait()
        print(f"Prefect server ready at {server.api_url} after {secs(setup['prefect_server_ready_s'])}", flush=True)

        runs = (
            (f"1. form save × {sizes['form_reps']}", "form_save", form_save.run, (form_db, sizes["form_reps"]), {}),
            (f"2. workbook of {sizes['workbook_rows']:,} rows", "workbook", workbook_import.run,
             (big_db, work, big_rows, server), {"again": sizes["workbook_again"]}),
            (f"3. validate_cycle over {sizes['sweep_values']:,} values", "sweep", cycle_sweep.run,
             (sweep_db, sizes["sweep_values"], sizes["python_sample"]), {}),
        )
        for title, name, fn, fn_args, fn_kwargs in runs:
            if not wanted(name):
                continue
            restarted = server.ensure()
            load = os.getloadavg()[0]
            print(f"{title} … (load average {load:.1f} on {os.cpu_count()} CPUs)", flush=True)
            if restarted:
                print(f"   {restarted}", flush=True)
            t0 = now()
            sec = _section(name, fn, *fn_args, **fn_kwargs)
            setup[f"{name}_benchmark_s"] = now() - t0
            sec.figures["load_average_before"] = load
            sec.figures["load_average_after"] = os.getloadavg()[0]
            if restarted:
                sec.notes.insert(0, restarted)
            sections.append(sec)
            print(f"   done in {secs(setup[f'{name}_benchmark_s'])}", flush=True)
    finally:
        t0 = now()
        server.stop()
        setup["prefect_server_stop_s"] = now() - t0
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    elapsed = now() - started
    _print(sections, mode, elapsed, setup)
    _write(args.out, sections, mode, elapsed, setup, sizes)
    failed = any(s.error or s.figures.get("failures") for s in sections)
    return 1 if failed else 0


def _print(sections: list[Section], mode: str, elapsed: float, setup: dict[str, float]) -> None:
    for sec in sections:
        print()
        print(f"== {sec.name} ==")
        if sec.error:
            print(f"  失敗 / failed: {sec.error}")
            continue
        print(table(["項目 / measure", "結果 / figure", "備考 / detail"], sec.lines, right={1}))
        for note in sec.notes:
            print(f"  ※ {note}")
        load = (sec.figures.get("load_average_before"), sec.figures.get("load_average_after"))
        if load[0] is not None:
            busy = "  ← the machine was busy: figures are inflated" if max(load) > (os.cpu_count() or 1) else ""
            print(f"  load average before/after: {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} CPUs{busy}")
    targets: list[Target] = [t for s in sections for t in s.targets]
    print()
    print(f"== まとめ / summary ({mode}, {os.cpu_count()} CPUs, {secs(elapsed)} in all) ==")
    rows = [[t.benchmark, t.figure, t.shown, t.target, "—" if t.met is None else ("yes" if t.met else "NO"), t.note]
            for t in targets]
    rows += [[s.name, "benchmark failed", "—", "—", "—", (s.error or "").splitlines()[0][:160]]
             for s in sections if s.error]
    print(table(["ベンチマーク / benchmark", "指標 / figure", "結果 / result", "目標 / target", "達成 / met",
                 "備考 / note"], rows, right={2}))
    if mode == "quick":
        print("※ --quick: smaller sizes than the targets assume; 'met' is indicative only.")


def _write(out: Path, sections: list[Section], mode: str, elapsed: float, setup: dict[str, float],
           sizes: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.parent == RESULTS and not (RESULTS / ".gitignore").exists():
        (RESULTS / ".gitignore").write_text("# benchmark output, never committed\n*\n", encoding="utf-8")
    doc = {
        "mode": mode, "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), **_versions()},
        "sizes": sizes, "elapsed_s": elapsed, "setup_s": setup,
        "summary": [t.as_dict() for s in sections for t in s.targets],
        "benchmarks": {s.name: {"figures": s.figures, "error": s.error, "notes": s.notes} for s in sections},
    }
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"figures written to {out}")


if __name__ == "__main__":
    sys.exit(main())
