"""Benchmark 3: validate_cycle over N values of one cycle, against the same rules as a per-row Python loop.

kpi.services.sweep.validate_cycle(2022, db=…) is timed as a whole (one read of the cycle, composite rates, every
rule in Polars, replace the cycle's sweep findings). Its parts are then timed on their own with the same functions
in one transaction that is rolled back (the write is not repeated: it is the total minus the rest). The baseline is bench.pyloop over a
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
    from warehouse import findings, master, values

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

    # The parts, with the same functions validate_cycle calls, in the same order and one transaction (rolled back:
    # the write itself is the total minus the rest, or timed here when validate_cycle panicked).
    steps: dict[str, float] = {}
    t0 = now()
    with warehouse.transaction(db) as con:
        cycle = master.find_cycle(con, synth.OPEN_FY)
        steps["open connection + BEGIN + find cycle"] = now() - t0
        t0 = now()
        rows = values.sweep_rows(con, cycle["cycle_id"])
        steps["values.sweep_rows (one read: every indicator, its value, the columns the rules use)"] = now() - t0
        t0 = now()
        comp = sweep.composite_rates(con, cycle["cycle_id"])
        steps["composite_rates (composites only, exact, part by part)"] = now() - t0
        t0 = now()
        df = sweep._frame(rows, comp)
        steps["validation frame (Polars, from the rows read)"] = now() - t0
        t0 = now()
        missing = sweep._gaps(con, rows)
        steps["completeness (Polars, from the rows read)"] = now() - t0
        f["frame_chunks"] = df.n_chunks()

        def names(ids):
            return master.indicator_names(con, ids)

        # The baseline's rows carry their names, as a per-row program would read them.
        step = max(1, df.height // sample_size)
        sample = df.sort("indicator_id").gather_every(step).head(sample_size)  # the frame comes unordered
        sample = sample.join(names(sample["indicator_id"]), on="indicator_id", how="left",
                             maintain_order="left").rechunk()
        t0 = now()
        try:
            found = rules.check(df, names=names, one_row_per_indicator=True)
            steps["rules.check (every rule, Polars; names of the reported rows)"] = now() - t0
        except BaseException as exc:
            if not _is_panic(exc):
                raise
            f["rules_check_panicked_on_frame_as_read"] = True
            t0 = now()
            found = rules.check(df.rechunk(), names=names, one_row_per_indicator=True)
            steps["rules.check on df.rechunk() (bench workaround for the panic)"] = now() - t0
        check_s = list(steps.values())[-1]
        found = pl.concat([found, missing]).with_columns(pl.lit(cycle["cycle_id"]).alias("cycle_id"))
        write_key = f"replace_cycle_findings ({found.height:,} findings from the frame, one INSERT)"
        if panic is not None:  # validate_cycle never got to write: time the write itself (and keep it)
            t0 = now()
            findings.replace_cycle_findings(con, cycle["cycle_id"], found)
            steps[write_key] = now() - t0
        else:  # validate_cycle wrote these already: leave the warehouse as it left it
            con.execute("ROLLBACK")
            con.execute("BEGIN TRANSACTION")
    n_composite = len(comp)
    del rows
    if panic is None:
        measured = sum(v for k, v in steps.items() if not k.startswith("  "))
        steps[write_key + " + COMMIT = total − rest"] = max(0.0, total - measured)
    else:
        total = sum(v for k, v in steps.items() if not k.startswith("  "))
    n_findings = found.height
    n_errors = found.filter(pl.col("severity") == rules.ERROR).height
    checked = report.checked if report is not None else df.height
    if checked != n_values:
        raise RuntimeError(f"validate_cycle checked {checked} values, expected {n_values}")
    f.update({"values": checked, "findings": n_findings, "errors": n_errors, "warnings": n_findings - n_errors,
              "validate_cycle_s": total, "steps_s": steps, "composite_indicators": n_composite})

    # The baseline: the same rules row by row in Python, over a uniform sample, extrapolated to every row.
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
             f"{n_findings:,} findings ({n_errors:,} errors); {n_composite:,} composites with a rate; "
             f"frame in {f['frame_chunks']} chunks")
    sec.line("validate_cycle 全体 / total", secs(total), "read + rules + replace findings"
             + (" (sum of steps: it panicked)" if panic else ""))
    for k, v in steps.items():
        extra = f", {per_finding * 1e3:.4f} ms/finding" if k.startswith("replace_cycle_findings") else ""
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
