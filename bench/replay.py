"""The load benchmarks' final check: the warehouse equals a serial replay of the audit trail written during the run;
and the figures per action (count, per second, p50/p95/max, conflicts, busy, errors)."""
from __future__ import annotations

from pathlib import Path

import warehouse


def _values(con) -> dict[int, dict]:
    cur = con.execute("SELECT value_id, state, version, value_text, value_number FROM indicator_values")
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def replay_mismatches(db: Path, before: dict[int, dict], after_audit_id: int) -> tuple[list[str], int]:
    """Apply the audit rows written since `after_audit_id`, one by one, to the values as they were; compare."""
    with warehouse.connect(db) as con:
        now = _values(con)
        cur = con.execute("SELECT entity_id, action, to_state, new_value FROM audit_log"
                          " WHERE audit_id > ? AND entity = 'value' ORDER BY audit_id", [after_audit_id])
        events = cur.fetchall()
    replayed = {k: dict(v) for k, v in before.items()}
    for entity_id, action, to_state, new_value in events:
        v = replayed.setdefault(int(entity_id), {"state": None, "version": 0, "figure": None})
        v["state"], v["version"] = to_state, v["version"] + 1
        if action == "save":
            v["figure"] = new_value
    problems = []
    for vid in sorted(set(replayed) | set(now)):
        r, n = replayed.get(vid), now.get(vid)
        if r is None or n is None:
            problems.append(f"value {vid}: {'not in the audit replay' if r is None else 'missing in the warehouse'}")
            continue
        figure = n["value_text"] if n["value_text"] else (str(n["value_number"]) if n["value_number"] is not None
                                                          else None)
        if (r["state"], r["version"]) != (n["state"], n["version"]):
            problems.append(f"value {vid}: warehouse {n['state']} v{n['version']}, replay {r['state']} v{r['version']}")
        elif "figure" in r and r["figure"] is not None and r["figure"] != figure:
            problems.append(f"value {vid}: figure {figure}, replay {r['figure']}")
    return problems, len(events)


def snapshot(db: Path) -> tuple[dict[int, dict], int]:
    """The values as they are before a run, and the last audit id (replay_mismatches' arguments)."""
    with warehouse.connect(db) as con:
        vals = _values(con)
        last = con.execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0]
    return ({k: {"state": v["state"], "version": v["version"],
                 "figure": v["value_text"] if v["value_text"] else None} for k, v in vals.items()}, last)


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]




def action_figures(lat: dict[str, list[float]], conflicts: dict[str, int], busy: dict[str, int],
                   errors: dict[str, list], elapsed: float) -> dict[str, dict]:
    """Per action: count, per second over `elapsed`, p50/p95/max in ms, conflicts, busy, errors."""
    out = {}
    for action, xs in sorted(lat.items()):
        out[action] = {
            "count": len(xs), "per_s": round(len(xs) / elapsed, 2),
            "p50_ms": round(pct(xs, 0.5) * 1000, 1), "p95_ms": round(pct(xs, 0.95) * 1000, 1),
            "max_ms": round(max(xs) * 1000, 1), "conflicts": conflicts.get(action, 0),
            "busy": busy.get(action, 0), "errors": len(errors.get(action, [])),
        }
    return out


def table(actions: dict[str, dict]) -> list[str]:
    """The figures as text lines (a header and one line per action)."""
    lines = [f"{'action':18} {'count':>6} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'confl':>6} "
             f"{'busy':>5} {'err':>4}"]
    lines += [f"{a:18} {f['count']:>6} {f['per_s']:>7} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['max_ms']:>8} "
              f"{f['conflicts']:>6} {f['busy']:>5} {f['errors']:>4}" for a, f in actions.items()]
    return lines
