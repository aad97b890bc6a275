"""Benchmark 3: validate_cycle over N values of one cycle, against the same rules as a per-row Python loop.

kpi.services.sweep.validate_cycle(2022, db=…) is timed as a whole (read the cycle's validation frame, composite
rates, every rule in Polars, replace the cycle's sweep findings). Its parts are then timed on their own with the
same functions (the write is not repeated: it is the total minus the rest). The baseline is bench.pyloop over a
uniform sample of the same rows, extrapolated linearly to N; both find the same findings on the sample.
"""
from __future__ import annotations

from pathlib import Path

from bench import pyloop, synth
from bench.report import Section, Target, now, secs

TARGET_S = 5.0
TARGET_RATIO = 20.0


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"  # pyo3_runtime.PanicException (a BaseException)


def run(db: Path, n_values: int, sample_size: int) -> Section:
    import polars as pl

    import warehouse
    from kpi.domain import rules
    from kpi.services import sweep
    from warehouse import master, reporting, values

    sec = Section("sweep")
    f = sec.figures
    panic = None
    t0 = now()
    try:
        report = sweep.validate_cycle(synth.OPEN_FY, db=db)
    except BaseException as exc:  # a Rust panic inside Polars surfaces as a BaseException
        if not _is_panic(exc):
            raise
        panic = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
        report = None
    total = now() - t0
    f["validate_cycle_panicked"] = panic

    # The parts, with the same functions validate_cycle calls.
    steps: dict[str, float] = {}
    t0 = now()
    with warehouse.connect(db) as con:
        cycle = master.find_cycle(con, synth.OPEN_FY)
        steps["open connection + find cycle"] = now() - t0
        t0 = now()
        df = reporting.validation_frame(con, cycle["cycle_id"])
        steps["reporting.validation_frame (SQL → Polars)"] = now() - t0
        t0 = now()
        whole = reporting.cycle_rows(con, cycle["cycle_id"], "all")
        steps["  of which cycle_rows(all): the whole cycle, every column"] = now() - t0
        t0 = now()
        comp = sweep.composite_rates(con, cycle["cycle_id"])
        steps["composite_rates (reads cycle_rows(all), keeps composites)"] = now() - t0
        missing = None
        if hasattr(sweep, "completeness"):
            t0 = now()
            missing = sweep.completeness(con, cycle["cycle_id"])
            steps["completeness (reads cycle_rows(all) again)"] = now() - t0
    n_composite = whole.filter(pl.col("target_type") == "composite").height
    del whole
    if comp:
        df = df.with_columns(pl.col("indicator_id").replace_strict(comp, default=None, return_dtype=pl.Float64)
                             .alias("composite_rate"))
    f["frame_chunks"] = df.n_chunks()
    t0 = now()
    try:
        found = rules.check(df)
        steps["rules.check (every rule, Polars)"] = now() - t0
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        f["rules_check_panicked_on_frame_as_read"] = True
        t0 = now()
        found = rules.check(df.rechunk())
        steps["rules.check on df.rechunk() (bench workaround for the panic)"] = now() - t0
    check_s = list(steps.values())[-1]
    if missing is not None:
        found = pl.concat([found, missing])
    t0 = now()
    rows = [{**r, "cycle_id": cycle["cycle_id"], "batch_id": None} for r in found.iter_rows(named=True)]
    steps["findings → dicts (iter_rows)"] = now() - t0
    write_key = f"replace_cycle_findings ({len(rows):,} findings, one INSERT each)"
    if panic is None:
        measured = sum(v for k, v in steps.items() if not k.startswith("  "))
        steps[write_key + " = total − rest"] = max(0.0, total - measured)
    else:  # validate_cycle never got to write: time the write itself
        t0 = now()
        with warehouse.transaction(db) as con:
            values.replace_cycle_findings(con, cycle["cycle_id"], rows)
        steps[write_key] = now() - t0
        total = sum(v for k, v in steps.items() if not k.startswith("  "))
    n_findings = len(rows)
    n_errors = sum(1 for r in rows if r["severity"] == rules.ERROR)
    del rows
    checked = report.checked if report is not None else df.height
    if checked != n_values:
        raise RuntimeError(f"validate_cycle checked {checked} values, expected {n_values}")
    f.update({"values": checked, "findings": n_findings, "errors": n_errors, "warnings": n_findings - n_errors,
              "validate_cycle_s": total, "steps_s": steps, "composite_indicators": n_composite})

    # The baseline: the same rules row by row in Python, over a uniform sample, extrapolated to every row.
    step = max(1, df.height // sample_size)
    sample = df.gather_every(step).head(sample_size).rechunk()
    sample_rows = sample.to_dicts()
    t0 = now()
    py_found = pyloop.check_rows(sample_rows)
    py_s = now() - t0
    t0 = now()
    pl_found = rules.check(sample)
    pl_sample_s = now() - t0
    py_counts, pl_counts = pyloop.count_by_rule(py_found), pyloop.count_by_rule(pl_found)
    py_full = py_s * df.height / sample.height
    f.update({
        "python_sample_rows": sample.height, "python_sample_s": py_s, "python_extrapolated_s": py_full,
        "polars_check_sample_s": pl_sample_s, "python_findings_by_rule": py_counts,
        "polars_findings_by_rule": pl_counts, "same_findings_on_sample": py_counts == pl_counts,
        "ratio_python_vs_validate_cycle": py_full / total,
        "ratio_python_vs_rules_check": py_full / check_s,
        "ratio_python_vs_rules_check_same_sample": py_s / pl_sample_s,
    })
    write_s = next(v for k, v in steps.items() if k.startswith("replace_cycle_findings"))
    per_finding = write_s / max(1, n_findings)

    if panic:
        sec.line("validate_cycle", "PANIC", f"{panic} — the figures below are its steps, rules on df.rechunk()")
    sec.line("点検対象 / values in the cycle", f"{checked:,}",
             f"{n_findings:,} findings ({n_errors:,} errors); {n_composite:,} composites; "
             f"frame in {f['frame_chunks']} chunks")
    sec.line("validate_cycle 全体 / total", secs(total), "read + rules + replace findings"
             + (" (sum of steps: it panicked)" if panic else ""))
    for k, v in steps.items():
        extra = f", {per_finding * 1e3:.2f} ms/finding" if k.startswith("replace_cycle_findings") else ""
        sec.line(f"  {k}", secs(v), (f"{v / total * 100:.0f}%" if not k.startswith("  ") else "") + extra)
    sec.line("Python 1行ずつ（標本）/ per-row Python loop, sample", secs(py_s),
             f"{sample.height:,} rows (every {step}th); Polars rules.check on the same sample {secs(pl_sample_s)}")
    sec.line("Python 1行ずつ（全件に外挿）/ extrapolated to all rows", secs(py_full), "linear in rows")
    sec.line("同じ指摘か（標本）/ same findings on the sample", "yes" if py_counts == pl_counts else "NO",
             ", ".join(f"{k} {v:,}" for k, v in sorted(py_counts.items())))
    sec.line("倍率 Python ÷ validate_cycle / ratio", f"{f['ratio_python_vs_validate_cycle']:.1f}×",
             "whole sweep incl. DuckDB read and write")
    sec.line("倍率 Python ÷ rules.check / ratio, rules only", f"{f['ratio_python_vs_rules_check']:.1f}×",
             f"same sample: {f['ratio_python_vs_rules_check_same_sample']:.1f}×")
    label = f"3. validate_cycle {checked:,}件 / sweep"
    scaled = "" if checked == 1_000_000 else f" (quick: {checked:,} values, target is for 1,000,000)"
    crashed = "PANICKED; figure = its steps. " if panic else ""
    sec.targets.append(Target(label, "validate_cycle wall time", total, secs(total), f"≤ {TARGET_S:g} s",
                              total <= TARGET_S and not panic, f"{crashed}{n_findings:,} findings written{scaled}"))
    sec.targets.append(Target(label, "per-row Python ÷ validate_cycle", f["ratio_python_vs_validate_cycle"],
                              f"{f['ratio_python_vs_validate_cycle']:.1f}×", f"≥ {TARGET_RATIO:g}×",
                              f["ratio_python_vs_validate_cycle"] >= TARGET_RATIO and not panic,
                              f"rules only: {f['ratio_python_vs_rules_check']:.1f}×; Python extrapolated from "
                              f"{sample.height:,} rows"))
    if panic:
        sec.notes.append(f"validate_cycle panicked inside Polars ({panic}); rules.check on the same frame after "
                         "df.rechunk() does not.")
    return sec
