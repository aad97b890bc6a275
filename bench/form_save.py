"""Benchmark 1: a department of 20 indicators saves its form (「下書き保存」).

Total: from the click (intake.receive of 20 RawEntry rows) to landed drafts (collect() returning 'landed'),
through the collect_submissions flow on the local Prefect server, as the entry page does it. Own code:
intake.process on a received batch, no Prefect (normalize + validate + write). Every save changes every line
(the figures alternate) and the values stay drafts.
"""
from __future__ import annotations

from pathlib import Path

from bench import steps, synth
from bench.report import Section, Target, median, ms, now, p95

TARGET_TOTAL_P95_S = 2.0
TARGET_OWN_P95_S = 0.150


def _save(actor, db: Path, rep: int, *, through_flow: bool) -> dict:
    from kpi.platform.runner import collect
    from kpi.services import intake

    entries = synth.form_entries(rep, synth.form_versions(db))  # what the form holds when the person clicks
    t0 = now()
    batch_id = intake.receive(actor, synth.OPEN_FY, synth.FORM_DEPARTMENT, entries, db=db)
    t1 = now()
    report = collect(batch_id, db=db) if through_flow else intake.process(batch_id, db=db)
    t2 = now()
    if report.status != "landed" or report.saved != len(entries):
        problems = "; ".join(f.message for f in report.findings[:5])
        raise RuntimeError(f"save {rep} did not land: status={report.status} saved={report.saved} {problems}")
    return {"total": t2 - t0, "receive": t1 - t0, "after_receive": t2 - t1, "warnings": len(report.warnings)}


def run(db: Path, reps: int) -> Section:
    from kpi.platform.runner import prefect_available
    from kpi.services import intake
    from kpi.services.accounts import authenticate

    sec = Section("form_save")
    actor = authenticate(*synth.FORM_EDITOR, db=db)
    t0 = now()
    available = prefect_available()
    health_s = now() - t0
    if not available:
        raise RuntimeError("the Prefect server does not answer at $PREFECT_API_URL")

    # The first save of a fresh process imports flows/prefect and sets up the client: the app pays it once.
    cold = _save(actor, db, 0, through_flow=True)
    flow = [_save(actor, db, rep, through_flow=True) for rep in range(1, reps + 1)]
    own = [_save(actor, db, rep, through_flow=False) for rep in range(reps + 1, 2 * reps + 1)]
    # Where intake.process spends its time: the same functions step by step, median over a few more saves.
    by_step: dict[str, list[float]] = {}
    labels: dict[str, str] = {}
    for rep in range(2 * reps + 1, 2 * reps + 1 + max(3, reps // 4)):
        batch_id = intake.receive(actor, synth.OPEN_FY, synth.FORM_DEPARTMENT,
                                  synth.form_entries(rep, synth.form_versions(db)), db=db)
        for k, v in steps.process_steps(db, batch_id, actor).items():
            if not k.startswith("_"):
                base = k.split(" (")[0]
                labels[base] = k
                by_step.setdefault(base, []).append(v)
    step_medians = {labels[b]: median(v) for b, v in by_step.items()}
    states = synth.form_states(db)
    if set(states) != {"draft"} or states["draft"] != len(synth.FORM_INDICATORS):
        raise RuntimeError(f"values should all be drafts: {states}")

    total = [r["total"] for r in flow]
    receive = [r["receive"] for r in flow + own]
    in_flow = [r["after_receive"] for r in flow]
    process = [r["after_receive"] for r in own]
    own_total = [r["total"] for r in own]
    f = sec.figures
    f.update({
        "indicators": len(synth.FORM_INDICATORS), "repetitions": reps, "prefect_health_check_s": health_s,
        "cold_first_save_s": cold["total"],
        "total_median_s": median(total), "total_p95_s": p95(total), "total_max_s": max(total),
        "receive_median_s": median(receive), "receive_p95_s": p95(receive),
        "collect_median_s": median(in_flow), "collect_p95_s": p95(in_flow),
        "process_median_s": median(process), "process_p95_s": p95(process),
        "receive_plus_process_median_s": median(own_total), "receive_plus_process_p95_s": p95(own_total),
        "flow_overhead_median_s": median(in_flow) - median(process),
        "warnings_per_save": flow[-1]["warnings"], "final_states": states,
        "samples_total_s": total, "samples_process_s": process, "process_steps_median_s": step_medians,
    })
    sec.line("1回目の保存（プロセス起動後）/ first save in a fresh process", ms(cold["total"]),
             "imports prefect + flows, first flow run; paid once per app process; not in the figures below")
    sec.line("保存→下書き 中央値 / click→landed median", ms(f["total_median_s"]), f"{reps} saves × 20 lines, flow")
    sec.line("保存→下書き p95 / click→landed p95", ms(f["total_p95_s"]), f"max {ms(f['total_max_s'])}")
    sec.line("  うち受付 / of which intake.receive", ms(f["receive_median_s"]), f"p95 {ms(f['receive_p95_s'])}")
    sec.line("  うち collect()（フロー）/ of which collect() via flow", ms(f["collect_median_s"]),
             f"p95 {ms(f['collect_p95_s'])}")
    sec.line("自前の処理 intake.process 中央値 / own code median", ms(f["process_median_s"]),
             "normalize + validate + write, no Prefect")
    sec.line("自前の処理 intake.process p95 / own code p95", ms(f["process_p95_s"]),
             f"receive+process p95 {ms(f['receive_plus_process_p95_s'])}")
    steps_total = sum(step_medians.values())
    for k, v in step_medians.items():
        sec.line(f"  {k}", ms(v), f"{v / steps_total * 100:.0f}% of the steps' {ms(steps_total)} (median)")
    sec.line("Prefect の上乗せ（中央値の差）/ flow overhead (median diff)", ms(f["flow_overhead_median_s"]),
             f"× {median(in_flow) / median(process):.1f} of intake.process; health check {ms(health_s)}")
    sec.targets.append(Target("1. フォーム保存 20指標 / form save", "click→landed p95 (flow)", f["total_p95_s"],
                              ms(f["total_p95_s"]), f"≤ {TARGET_TOTAL_P95_S:g} s",
                              f["total_p95_s"] <= TARGET_TOTAL_P95_S, f"median {ms(f['total_median_s'])}"))
    sec.targets.append(Target("1. フォーム保存 20指標 / form save", "own code p95 (intake.process)",
                              f["process_p95_s"], ms(f["process_p95_s"]), f"≤ {TARGET_OWN_P95_S * 1000:g} ms",
                              f["process_p95_s"] <= TARGET_OWN_P95_S, f"median {ms(f['process_median_s'])}"))
    return sec
