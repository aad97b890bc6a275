"""PostgreSQL read side benchmark: `.venv/bin/python -m bench.pg_reads_bench --url postgresql://… [--orgs 400]`.

Builds a synthetic warehouse (`build_scale_demo`: ORGS organizations × 100 indicators × 10 cycles; national scale
is 1,788) as a DuckDB file, copies it into a new PostgreSQL database of the server at --url
(`kpi export-warehouse`), and then measures, each in a fresh process of its own, two reads of the dashboard:

- `summary`: `summaries.cycle_figures` of the newest closed cycle (the dashboard's 概要 and 指標一覧 frame);
- `trends`: `queries.trends_document` (推移: every closed cycle, one after the other);

through two paths: `duckdb-over-arrow` (warehouse/pg_reads.py: the tables read with adbc into an in-memory DuckDB,
kept while the change counter does not move) and `translated` (the earlier path: the same SQL translated by sqlglot
and run on PostgreSQL, rows fetched with psycopg; selected here by making pg_reads.is_postgres answer False in the
measuring process). `cold` is the first read of the process, `warm` the same read again; peak is the process's
VmHWM. And the same reads on the DuckDB file, for reference. Prints one JSON object per measurement. Not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(db: str, read: str, path: str) -> dict:
    import warehouse
    from warehouse import pg_reads

    if path == "translated":
        pg_reads.is_postgres = lambda con: False  # the reporting reads take the connection's own path
    from kpi.services import summaries
    from kpi.services.queries import trends_document

    with warehouse.connect(db) as con:
        fiscal_year = con.execute("SELECT max(fiscal_year) FROM cycles WHERE state IN ('closed', 'finalized')"
                                  ).fetchone()[0]

    def run():
        if read == "summary":
            return summaries.cycle_figures(fiscal_year, basis="approved", db=db).frame.height
        return len(trends_document(judge="target", db=db)["cycles"])

    started = time.perf_counter()
    size = run()
    cold = time.perf_counter() - started
    started = time.perf_counter()
    run()
    warm = time.perf_counter() - started
    return {"read": read, "path": path, "rows_or_cycles": size, "cold_s": round(cold, 2), "warm_s": round(warm, 2),
            "peak_mb": round(_peak_mb()), "loads_from_postgresql": pg_reads.loads()}


def _measure(db: str, read: str, path: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.pg_reads_bench", "--child", db, read, path], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a PostgreSQL server's URL (a new database kpi_reads_bench_<orgs> is made)")
    parser.add_argument("--orgs", type=int, default=400)
    parser.add_argument("--child", nargs=3, metavar=("DB", "READ", "PATH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    import psycopg

    from kpi.demo.scale import build_scale_demo
    from warehouse.transfer import transfer

    folder = Path(tempfile.gettempdir()) / "kpi_pg_reads_bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"scale-{args.orgs}.duckdb"
    if not path.exists():
        build_scale_demo(path, orgs=args.orgs)
    name = f"kpi_reads_bench_{args.orgs}"
    info = psycopg.conninfo.conninfo_to_dict(args.url)
    url = psycopg.conninfo.make_conninfo(args.url, dbname=name)
    with psycopg.connect(args.url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    url = f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/{name}"
    if not exists:
        started = time.perf_counter()
        transfer(path, url)
        print(json.dumps({"export_s": round(time.perf_counter() - started, 1), "orgs": args.orgs}), flush=True)
    for read in ("summary", "trends"):
        print(json.dumps({"backend": "duckdb-file", **_measure(str(path), read, "file")}), flush=True)
        for how in ("duckdb-over-arrow", "translated"):
            print(json.dumps({"backend": "postgresql", **_measure(url, read, how)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
