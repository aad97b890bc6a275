"""Scale-out load (issue #19): 2 app processes + 2 Prefect workers on PostgreSQL vs the embedded default, same machine.

    .venv/bin/python -m bench.scale_bench --quick                  # 20 sessions, 150 s each run: a first proof
    .venv/bin/python -m bench.scale_bench                          # 100 sessions, 300 s each run

Both runs in one invocation (the machine's load is what it is for both), on fresh demo warehouses (`kpi demo`):

1. **embedded**: one app process (bench.scale_app) runs every session against the DuckDB file; a save is landed in
   the session's thread (`runner.collect(batch, flow=False)` = intake.process, bench.load_bench's path).
2. **postgresql**: the warehouse and the Prefect server on one PostgreSQL cluster (scripts/postgres.sh), the pool
   deployed (`python -m flows.deploy --pool kpi`), 2 `prefect worker start --pool kpi` processes (supervised:
   restarted when they die), 2 app processes sharing the sessions (session i in process i mod 2), $KPI_WORK_POOL
   set: a save is `runner.collect(batch, db)` — a form save, so it lands in the app process (KPI_POOL_FORM_SAVES=app,
   the product's default), or with --form-saves pool a run of the collect deployment on a worker, followed to its end.
   During the window: SIGKILL of app process 2 (its sessions are restarted in a new process, as a supervisor
   would: they log in again and work until the same end) and SIGKILL of worker 1 together with the flow runs it
   had started (the supervisor starts it again; the server reschedules the runs whose heartbeats stopped).

An "app process" is a Python process running its share of the sessions as threads through the services the pages
call (bench.scale_app) — not Streamlit. Checks after each run: the final warehouse equals a serial replay of the
audit rows written during the run (bench.replay), and every acknowledged save (the person was told "saved") is in
the warehouse exactly once (its batch landed, one save audit row per saved figure). Results: bench/results/scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from bench.replay import action_figures, replay_mismatches, snapshot, table
from bench.scale_stack import ROOT, MemoryWatch, Stack, postgres, stop_postgres

APP_LOGIN_TIMEOUT_S = 900.0


def build_demo(db: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kpi.cli", "demo", "--db", db], env=env, cwd=ROOT,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT)


class App:
    """One app process (bench.scale_app) and its events file."""

    def __init__(self, name: str, folder: Path, db: str, env: dict, args: list[str]):
        self.name, self.events = name, folder / f"{name}.jsonl"
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.scale_app", "--db", db, "--events",
                                      str(self.events), *args], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(folder / f"{name}.log", "wb"), text=True)

    def ready(self, timeout: float) -> bool:
        got: list[str] = []
        t = threading.Thread(target=lambda: got.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        return bool(got) and got[0].strip() == "READY"

    def go(self, until: float) -> None:
        self.proc.stdin.write(f"GO {until}\n")
        self.proc.stdin.flush()


def read_events(paths: list[Path]) -> dict:
    lat, conflicts, busy, errors = defaultdict(list), defaultdict(int), defaultdict(int), defaultdict(list)
    acks, rss = {}, {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                e = json.loads(line)
            except ValueError:  # a line cut by the SIGKILL
                continue
            if "a" in e:
                lat[e["a"]].append(e["t"])
                if e["o"] == "conflict":
                    conflicts[e["a"]] += 1
                elif e["o"] == "busy":
                    busy[e["a"]] += 1
                elif e["o"] != "ok":
                    errors[e["a"]].append(e["o"])
            elif "ack" in e:
                acks[e["ack"]] = e.get("saved", 1)
            elif "maxrss_kb" in e:
                rss[path.stem] = round(e["maxrss_kb"] / 1024, 1)
    return {"lat": lat, "conflicts": conflicts, "busy": busy, "errors": errors, "acks": acks, "rss": rss}


def acknowledged_check(db: str, acks: dict[int, int]) -> dict:
    """Every acknowledged save landed once: its batch 'landed' and as many save audit rows as figures it saved."""
    import warehouse

    with warehouse.connect(db) as con:
        status = dict(con.execute("SELECT batch_id, status FROM intake_batches").fetchall())
        saves = dict(con.execute("SELECT batch_id, count(*) FROM audit_log WHERE action = 'save'"
                                 " AND batch_id IS NOT NULL GROUP BY 1").fetchall())
        states = dict(con.execute("SELECT v.state, count(*) FROM indicator_values v JOIN cycles c USING (cycle_id)"
                                  " WHERE c.fiscal_year = 2022 GROUP BY 1").fetchall())
    lost = [b for b in acks if status.get(b) != "landed" or saves.get(b, 0) == 0]
    twice = [b for b, n in acks.items() if saves.get(b, 0) > max(n, 1)]
    pending = sorted(b for b, s in status.items() if s == "received")
    return {"acknowledged": len(acks), "lost": lost[:20], "lost_count": len(lost), "twice": twice[:20],
            "twice_count": len(twice), "pending_at_end": pending, "fy2022_states": states}


def run_phase(name: str, folder: Path, db: str, env: dict, *, sessions: int, processes: int, flow: bool,
              seconds: float, pause_scale: float, watch: MemoryWatch, stack: Stack | None = None,
              kill_app_at: float | None = None, kill_worker_at: float | None = None) -> dict:
    before, last_audit = snapshot(db)
    common = ["--sessions", str(sessions), "--processes", str(processes), "--pause-scale", str(pause_scale)]
    common += ["--flow"] if flow else []
    apps = [App(f"{name}-app{k + 1}", folder, db, env, [*common, "--index", str(k)]) for k in range(processes)]
    for a in apps:
        watch.watch(a.name, a.proc.pid)
    t_login = time.monotonic()
    for a in apps:
        if not a.ready(APP_LOGIN_TIMEOUT_S - (time.monotonic() - t_login)):
            raise RuntimeError(f"{a.name} did not log its sessions in: " +
                               (folder / f"{a.name}.log").read_text(errors="replace")[-3000:])
    login_s = time.monotonic() - t_login
    load_before = os.getloadavg()
    until = time.time() + seconds
    go = time.monotonic()
    for a in apps:
        a.go(until)
    kills: dict = {}
    plan = sorted([(kill_app_at, "app"), (kill_worker_at, "worker")], key=lambda x: x[0] or 0)
    for at, what in plan:
        if at is None:
            continue
        time.sleep(max(0.0, go + at * seconds - time.monotonic()))
        if what == "app":
            victim = apps[-1]
            os.kill(victim.proc.pid, signal.SIGKILL)
            victim.proc.wait()
            again = App(f"{victim.name}-restarted", folder, db, env,
                        [*common, "--index", str(processes - 1), "--until", str(until)])
            watch.watch(again.name, again.proc.pid)
            apps.append(again)
            kills["app"] = {"killed": victim.name, "at_s": round(time.monotonic() - go, 1),
                            "restarted_as": again.name}
        else:
            victims = stack.kill_worker("worker-1")
            kills["worker"] = {"killed": "worker-1", "pids": victims, "at_s": round(time.monotonic() - go, 1)}
    samples = []
    for a in apps:
        while a.proc.poll() is None:
            samples.append(os.getloadavg()[0])
            try:
                a.proc.wait(10)
            except subprocess.TimeoutExpired:
                if time.monotonic() - go > seconds + APP_LOGIN_TIMEOUT_S:
                    a.proc.kill()
    elapsed = time.monotonic() - go
    exits = {a.name: a.proc.returncode for a in apps}
    ev = read_events([a.events for a in apps])
    problems, replayed = replay_mismatches(db, before, last_audit)
    acked = acknowledged_check(db, ev["acks"])
    actions = action_figures(ev["lat"], ev["conflicts"], ev["busy"], ev["errors"], elapsed)
    work = {a: f for a, f in actions.items() if a != "login"}
    total = sum(f["count"] for f in work.values())
    out = {"run": name, "sessions": sessions, "app_processes": processes, "flow": flow, "window_s": seconds,
           "elapsed_s": round(elapsed, 1), "login_s": round(login_s, 1), "actions": actions,
           "actions_per_s": round(total / elapsed, 2), "total_actions": total,
           "total_errors": sum(f["errors"] for f in actions.values()),
           "total_busy": sum(f["busy"] for f in actions.values()),
           "total_conflicts": sum(f["conflicts"] for f in actions.values()),
           "errors": {a: e[:5] for a, e in ev["errors"].items() if e},
           "replayed_audit_rows": replayed, "replay_mismatches": problems[:20], "replay_mismatch_count": len(problems),
           "saves": acked, "kills": kills, "exit_codes": exits, "peak_rss_mb_self_reported": ev["rss"],
           "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()],
                            "mean_during": round(sum(samples) / len(samples), 2) if samples else None}}
    if stack:
        out["worker_restarts"] = dict(stack.restarts)
        try:
            out["flow_runs"] = stack.census()
        except Exception as exc:  # noqa: BLE001  (the figures above stand without it)
            out["flow_runs"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def summary(r: dict, peaks: dict[str, float]) -> list[str]:
    s = r["saves"]
    lines = [f"== {r['run']}: {r['sessions']} sessions in {r['app_processes']} app process(es), window "
             f"{r['window_s']:.0f} s, elapsed {r['elapsed_s']:.0f} s (logins {r['login_s']:.0f} s before); "
             f"{r['total_actions']} actions ({r['actions_per_s']}/s), errors {r['total_errors']}, busy "
             f"{r['total_busy']}, conflicts {r['total_conflicts']}; load {r['load_average']}"]
    lines += table(r["actions"])
    lines.append(f"final warehouse vs serial replay of {r['replayed_audit_rows']} audit rows: "
                 f"{'identical' if not r['replay_mismatch_count'] else str(r['replay_mismatch_count']) + ' mismatches'}"
                 f"; acknowledged saves {s['acknowledged']}: lost {s['lost_count']}, twice {s['twice_count']}; "
                 f"batches still pending {len(s['pending_at_end'])}; FY2022 states {s['fy2022_states']}")
    lines.append("peak RSS per process (MB): " + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(peaks.items())
                                                         if k.startswith(r["run"]) or k.startswith("worker")))
    if r["kills"]:
        lines.append(f"kills: {r['kills']}; worker restarts {r.get('worker_restarts')}")
    if r.get("flow_runs"):
        lines.append(f"flow runs on the pool: {r['flow_runs']}")
    return lines


def compare(emb: dict, pg: dict) -> dict:
    ratio = pg["actions_per_s"] / emb["actions_per_s"] if emb["actions_per_s"] else None
    p95 = {a: {"embedded": f["p95_ms"], "postgresql": pg["actions"].get(a, {}).get("p95_ms")}
           for a, f in emb["actions"].items()}
    clean = all(r["total_errors"] == 0 and r["saves"]["lost_count"] == 0 and r["saves"]["twice_count"] == 0
                and r["replay_mismatch_count"] == 0 for r in (emb, pg))
    equal_p95 = all(v["postgresql"] is not None and v["postgresql"] <= v["embedded"] * 1.1 for v in p95.values())
    return {"throughput_ratio": round(ratio, 2) if ratio else None, "p95_ms": p95,
            "targets": {"zero_errors_and_lost": clean, "ratio_at_least_1_8": bool(ratio and ratio >= 1.8),
                        "p95_no_worse_than_embedded_plus_10pct": equal_p95}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="2 app processes + 2 workers on PostgreSQL vs the embedded default.")
    p.add_argument("--quick", action="store_true", help="20 sessions, 150 s per run")
    p.add_argument("--sessions", type=int)
    p.add_argument("--seconds", type=float)
    p.add_argument("--pause-scale", type=float, default=1.0)
    p.add_argument("--lost-after", type=int, default=60, help="KPI_POOL_LOST_AFTER_S for the automation")
    p.add_argument("--no-kill", action="store_true")
    p.add_argument("--only", choices=["embedded", "postgresql"])
    p.add_argument("--form-saves", choices=["app", "pool"], default="app",
                   help="KPI_POOL_FORM_SAVES of the PostgreSQL run: a save lands in the app process (the product's "
                        "default) or as a run on a worker")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, events, the DuckDB file)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = p.parse_args(argv)
    sessions = args.sessions or (20 if args.quick else 100)
    seconds = args.seconds or (150.0 if args.quick else 300.0)
    started = datetime.now(timezone.utc)
    folder = Path(tempfile.mkdtemp(prefix="kpi-scale-", dir="/tmp"))  # under /tmp: the cluster's owner must reach it
    os.chmod(folder, 0o755)
    pg_dir = folder / "pg"
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_DATABASE_URL", "KPI_WORK_POOL", "PREFECT_API_URL")}
    env.update({"KPI_DB": str(folder / "kpi.duckdb"), "PREFECT_HOME": str(folder / "prefect-embedded"),
                "DO_NOT_TRACK": "1", "KPI_POOL_FORM_SAVES": args.form_saves})
    watch, stack, results = MemoryWatch(), None, {}
    try:
        embedded_db = str(folder / "embedded.duckdb")
        demos = [build_demo(embedded_db, env, folder / "demo-embedded.log")] if args.only != "postgresql" else []
        if args.only != "embedded":
            url = postgres(pg_dir)
            stack = Stack(folder, postgres(pg_dir, "prefect"), env, args.lost_after)
            stack.start_server()
            demos.append(build_demo(url, env, folder / "demo-postgresql.log"))
        for d in demos:
            if d.wait() != 0:
                raise RuntimeError(f"kpi demo failed: see {folder}")
        if stack:
            print(f"Prefect server up and pool deployed in {stack.wait_and_deploy():.0f} s", file=sys.stderr)
        if args.only != "postgresql":
            print(f"embedded run: {sessions} sessions, {seconds:.0f} s …", file=sys.stderr)
            results["embedded"] = run_phase("embedded", folder, embedded_db, env, sessions=sessions, processes=1,
                                            flow=False, seconds=seconds, pause_scale=args.pause_scale, watch=watch)
        if stack:
            stack.start_workers(2, watch)
            print(f"postgresql run: {sessions} sessions, 2 app processes, 2 workers, {seconds:.0f} s …",
                  file=sys.stderr)
            kill_app, kill_worker = (None, None) if args.no_kill else (0.3, 0.4)
            results["postgresql"] = run_phase("postgresql", folder, url, stack.env, sessions=sessions, processes=2,
                                              flow=True, seconds=seconds, pause_scale=args.pause_scale, watch=watch,
                                              stack=stack, kill_app_at=kill_app, kill_worker_at=kill_worker)
    finally:
        peaks = watch.stop()
        if stack:
            stack.close()
        stop_postgres(pg_dir)
    out = {"started": started.isoformat(timespec="seconds"), "command": " ".join([Path(sys.executable).name, "-m",
                                                                                   "bench.scale_bench", *(argv or sys.argv[1:])]),
           "cpus": os.cpu_count(), "peak_rss_mb": peaks, **results}
    lines = []
    for r in results.values():
        lines += summary(r, peaks)
    if len(results) == 2:
        out["comparison"] = compare(results["embedded"], results["postgresql"])
        lines.append(f"throughput PostgreSQL / embedded: {out['comparison']['throughput_ratio']}×; targets "
                     f"{out['comparison']['targets']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if not (Path(args.out).parent / ".gitignore").exists():
        (Path(args.out).parent / ".gitignore").write_text("# benchmark output, never committed\n*\n", encoding="utf-8")
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print("\n".join(lines))
    for r in results.values():
        for action, msgs in r["errors"].items():
            print(f"  {r['run']} errors in {action}: {msgs}")
    print(f"figures written to {args.out}" + (f"; folder kept: {folder}" if args.keep else ""))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    bad = any(r["total_errors"] or r["saves"]["lost_count"] or r["saves"]["twice_count"] or r["replay_mismatch_count"]
              for r in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
