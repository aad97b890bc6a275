"""Benchmark 2: a workbook of N rows (one per indicator of department BIG) through `kpi collect`, end to end.

`kpi collect FILE --department BIG --cycle 2022 --db DB` runs as a subprocess, through the collect_submissions
flow on the local Prefect server — handed to the warm collector process as scripts/run.sh runs it (flows.serve),
and once without a collector, the CLI running the flow itself — and with --no-flow. Each mode runs on its own copy of the warehouse: the first
upload inserts N drafts, the second (the same file again) overwrites them. Then the same work is timed step by
step in this process with the service functions (read workbook / normalize / rules / write), and the process
start-up costs are timed with `python -c "import …"`.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench import steps, synth
from bench.report import Section, Target, now, secs

TARGET_S = 5.0
ROOT = Path(__file__).resolve().parent.parent


def _kpi() -> str:
    exe = Path(sys.executable).with_name("kpi")
    return str(exe) if exe.exists() else "kpi"


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one command, from spawn to exit."""
    t0 = now()
    proc = subprocess.run(args, env=env, cwd=str(ROOT), capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=1800)
    return now() - t0, proc


class CollectFailed(RuntimeError):
    """`kpi collect` did not land every row."""


def _collect(workbook: Path, db: Path, env: dict[str, str], no_flow: bool, expected: int, log: Path) -> float:
    args = [_kpi(), "collect", str(workbook), "--department", synth.BIG_DEPARTMENT, "--cycle", str(synth.OPEN_FY),
            "--db", str(db)] + (["--no-flow"] if no_flow else [])
    wall, proc = run_cli(args, env)
    log.write_text(f"$ {' '.join(args)}\nexit {proc.returncode} after {wall:.2f} s\n--- stdout\n{proc.stdout}\n"
                   f"--- stderr\n{proc.stderr}", encoding="utf-8")
    saved = re.search(r"保存 (\d+)件", proc.stdout)
    if proc.returncode != 0 or saved is None or int(saved.group(1)) != expected:
        last = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        raise CollectFailed(f"kpi collect exited {proc.returncode} after {wall:.1f} s, "
                            f"saved {saved.group(1) if saved else '?'} of {expected}: {last[:300]} (log: {log})")
    return wall


class Collector:
    """`python -m kpi.platform.collector --db DB`, as flows.serve (scripts/run.sh) runs it, for the warehouse."""

    def __init__(self, db: Path, env: dict[str, str], log: Path):
        self.db, self.env, self.log = db, env, log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> float:
        """Launch it and wait until its socket exists; seconds it took."""
        import time

        from kpi.platform.collector import socket_path

        sock = socket_path(self.db)
        if sock is None:
            raise RuntimeError(f"socket path too long for {self.db}")
        t0 = now()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "kpi.platform.collector", "--db", str(self.db)],
                                         env=self.env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        while now() - t0 < timeout:
            if sock.exists():
                return now() - t0
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited with {self.proc.returncode}; see {self.log}")
            time.sleep(0.05)
        raise RuntimeError(f"collector did not listen within {timeout:g} s; see {self.log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _import_time(code: str, env: dict[str, str]) -> float:
    wall, proc = run_cli([sys.executable, "-c", code], env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return wall


def breakdown(db: Path, data: bytes, filename: str) -> dict[str, float]:
    """intake.receive + intake.process, step by step (bench.steps), on the workbook."""
    from kpi.services import intake

    actor = intake.cli_actor(synth.BIG_DEPARTMENT)
    t0 = now()
    batch_id = intake.receive(actor, synth.OPEN_FY, synth.BIG_DEPARTMENT, source="workbook", filename=filename,
                              raw_bytes=data, db=db)
    receive_s = now() - t0
    return {"receive (store the file as a batch)": receive_s, **steps.process_steps(db, batch_id, actor)}


def bulk_reference(db: Path, n_findings: int) -> dict[str, float]:
    """Reference, not product code: the same rows written set-based (INSERT ... SELECT from a frame).

    N draft values of department BIG with their N save audit rows, and n_findings findings, in one transaction.
    """
    import polars as pl

    import warehouse
    from warehouse import master

    t: dict[str, float] = {}
    with warehouse.transaction(db) as con:
        cycle_id = master.find_cycle(con, synth.OPEN_FY)["cycle_id"]
        ids = pl.DataFrame(con.execute("SELECT indicator_id FROM indicators WHERE department_code = ?",
                                       [synth.BIG_DEPARTMENT]).fetchall(), schema=["indicator_id"], orient="row")
        frame = ids.with_columns(value_number=pl.col("indicator_id").cast(pl.Float64) * 1.5,
                                 value_text=pl.col("indicator_id").cast(pl.String))
        t0 = now()
        con.register("bulk_values", frame.to_arrow())
        con.execute(f"""
            INSERT INTO indicator_values (indicator_id, cycle_id, value_number, value_text, value_kind, value_fy,
                                          state, entered_by)
            SELECT indicator_id, {cycle_id}, value_number, value_text, 'actual', {synth.OPEN_FY}, 'draft', 'cli'
            FROM bulk_values""")
        con.execute(f"""
            INSERT INTO audit_log (actor, role, action, entity, entity_id, cycle_id, indicator_id, to_state, new_value)
            SELECT 'cli', 'editor', 'save', 'value', CAST(v.value_id AS VARCHAR), {cycle_id}, v.indicator_id, 'draft',
                   v.value_text
            FROM indicator_values v JOIN bulk_values b USING (indicator_id) WHERE v.cycle_id = {cycle_id}""")
        t[f"values + audit ({frame.height:,} + {frame.height:,} rows)"] = now() - t0
        findings = pl.DataFrame({"indicator_id": pl.Series(ids["indicator_id"]).head(n_findings)}).with_columns(
            rule=pl.lit("reason_required"), severity=pl.lit("warning"), field=pl.lit("要因"),
            message=pl.format("「指標{}」は達成率が100%未満です。提出前に要因と要因の分類を入力してください",
                              pl.col("indicator_id")))
        t0 = now()
        con.register("bulk_findings", findings.to_arrow())
        con.execute(f"""
            INSERT INTO validation_findings (cycle_id, indicator_id, field, rule, severity, message)
            SELECT {cycle_id}, indicator_id, field, rule, severity, message FROM bulk_findings""")
        t[f"findings ({findings.height:,} rows)"] = now() - t0
        con.execute("ROLLBACK")  # a reference only: leave the copy as it was
        con.execute("BEGIN TRANSACTION")
    return t


def run(base_db: Path, workdir: Path, rows: list[tuple[str, ...]], server, again: bool = True) -> Section:
    sec = Section("workbook")
    n = len(rows)
    t0 = now()
    data = synth.write_workbook(rows)
    write_s = now() - t0
    workbook = workdir / f"big_{n}.xlsx"
    workbook.write_bytes(data)
    env = {**os.environ, **server.env()}
    f = sec.figures
    f.update({"rows": n, "workbook_bytes": len(data), "write_xlsx_s": write_s, "failures": {}})

    def attempt(key: str, db: Path, no_flow: bool) -> None:
        if not no_flow:
            restarted = server.ensure()
            if restarted:
                sec.notes.append(f"before {key}: {restarted}")
        try:
            f[key] = _collect(workbook, db, env, no_flow, n, workdir / f"{key}.log")
        except CollectFailed as exc:
            f[key] = None
            down = "" if no_flow or server.alive() else (
                f" — the Prefect server process had exited with code {server.proc.poll()}")
            f["failures"][key] = str(exc) + down
            sec.notes.append(f"{key} failed: {exc}{down}")

    db = synth.copy_db(base_db, workdir / "wb_flow.duckdb")
    collector = Collector(db, env, workdir / "collector.log")
    try:
        f["collector_ready_s"] = collector.start()
        attempt("flow_first_s", db, False)
        if again and f["flow_first_s"] is not None:  # the same file again: every draft is overwritten
            attempt("flow_again_s", db, False)
    except RuntimeError as exc:
        f["flow_first_s"] = None
        f["failures"]["flow_first_s"] = str(exc)
        sec.notes.append(f"collector: {exc}")
    finally:
        collector.stop()
    db = synth.copy_db(base_db, workdir / "wb_flow_cold.duckdb")
    attempt("flow_cold_first_s", db, False)  # no collector: this `kpi collect` imports Prefect and runs the flow
    db = synth.copy_db(base_db, workdir / "wb_no_flow.duckdb")
    attempt("no_flow_first_s", db, True)
    f["python_start_import_kpi_s"] = _import_time("import kpi.cli, kpi.services.intake, kpi.io.workbook", env)
    f["python_start_import_flows_s"] = _import_time("import kpi.cli, kpi.services.intake, flows.collect", env)

    # The same work in this process, step by step, on a fresh copy (the insert path, like the first upload).
    db = synth.copy_db(base_db, workdir / "wb_steps.duckdb")
    steps = breakdown(db, data, workbook.name)
    f["steps_s"] = {k: v for k, v in steps.items() if not k.startswith("_")}
    f["steps_total_s"] = sum(f["steps_s"].values())
    f["findings"] = int(steps["_findings"])
    db = synth.copy_db(base_db, workdir / "wb_bulk.duckdb")
    f["bulk_reference_s"] = bulk_reference(db, f["findings"])

    sec.line("ブック / workbook", f"{n:,} rows", f"{len(data) / 1024:,.0f} KiB, written by xlsxwriter in {secs(write_s)}")
    failed = f["failures"]
    sec.line("kpi collect（フロー経由）/ via flow, first upload", secs(f["flow_first_s"]),
             "FAILED" if "flow_first_s" in failed else f"{n:,} drafts inserted")
    if "flow_again_s" in f:
        sec.line("kpi collect（フロー経由）再提出 / via flow, same file again", secs(f["flow_again_s"]),
                 "FAILED" if "flow_again_s" in failed else "every draft overwritten")
    sec.line("  収集プロセス起動 / collector start", secs(f.get("collector_ready_s")),
             "python -m kpi.platform.collector, until its socket listens (imports, collect_pending); once")
    sec.line("kpi collect（フロー・収集プロセスなし）/ via flow, no collector", secs(f.get("flow_cold_first_s")),
             "FAILED" if "flow_cold_first_s" in failed else "the CLI imports Prefect and runs the flow itself")
    sec.line("kpi collect --no-flow / first upload", secs(f["no_flow_first_s"]),
             "FAILED" if "no_flow_first_s" in failed else "")
    sec.line("  起動 python + import kpi / start-up", secs(f["python_start_import_kpi_s"]),
             "python -c 'import kpi.cli …'")
    sec.line("  起動 + import prefect / start-up with flows", secs(f["python_start_import_flows_s"]),
             "python -c 'import … flows.collect'")
    sec.line("内訳（このプロセスで）/ breakdown in-process", secs(f["steps_total_s"]),
             "receive + the steps of intake.process, same functions")
    for k, v in f["steps_s"].items():
        share = v / f["steps_total_s"] * 100 if f["steps_total_s"] else 0
        per_row = (f", {v / max(1, f['findings']) * 1e3:.2f} ms/finding" if k.startswith("insert_findings")
                   else f", {v / max(1, n) * 1e3:.2f} ms/row" if "per row" in k else "")
        sec.line(f"  {k}", secs(v), f"{share:.0f}%{per_row}")
    for k, v in f["bulk_reference_s"].items():
        sec.line(f"  参考: 一括INSERT / reference, set-based write: {k}", secs(v), "not product code")
    scaled = "" if n == 10_000 else f" (quick: {n:,} rows, target is for 10,000)"
    label = f"2. Excel {n:,}行 kpi collect / workbook"
    for key, figure, extra in (
            ("flow_first_s", "end to end via flow (first upload)",
             f"again {secs(f['flow_again_s'])}" if f.get("flow_again_s") else ""),
            ("no_flow_first_s", "end to end --no-flow (first upload)", "")):
        v = f.get(key)
        note = ("FAILED: " + failed[key][:160]) if key in failed else (extra + scaled).strip()
        sec.targets.append(Target(label, figure, v, secs(v) if v is not None else "failed", f"≤ {TARGET_S:g} s",
                                  None if v is None else v <= TARGET_S, note))
    return sec
