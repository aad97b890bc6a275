"""The demo: the seed's strategy and FY2021 values, approved through the full approval chain with audit rows.

The strategy has the default two-level chain 担当 → 所属長 → 行政改革推進課 and every department a head
(所属長承認者): each demo value is saved and submitted by its department's editor, approved by its head
(所属長承認) and then by the division (承認), one audit row per step.

Besides the seed's FY2021 cycle the demo holds two earlier cycles (FY2019 令和元年度, FY2020 令和2年度) with
illustrative values (cycles.illustrative = true, reasons flagged reason_illustrative), so that trends and
indicator histories have something to show, and the open FY2022 cycle without values.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import warehouse
from kpi.demo.confirmations import load_demo_confirmations
from kpi.domain.approval_chain import TWO_LEVEL
from kpi.domain.audit_events import AuditEvent
from kpi.domain.workflow import Action, Role, State, apply
from kpi.services.accounts import hash_password
from warehouse import audit, batches, chains, master, report_sections, users, values

DEMO_FILE = "chiba_ict_fy2021.json"

# (login, display name, password, roles, departments); passwords are documented in README.md.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("admin", "システム管理者", "admin-pass", ("admin",), ()),
    ("reviewer", "行政改革推進課 審査担当", "reviewer-pass", ("reviewer",), ()),
    ("executive", "幹部（副知事）", "executive-pass", ("executive",), ()),
    ("editor1", "総務部 入力担当", "editor1-pass", ("editor",), ("GYOKAKU",)),
    ("editor2", "健康福祉部 入力担当", "editor2-pass", ("editor",), ("IRYO",)),
    ("head1", "総務部行政改革推進課長（所属長）", "head1-pass", ("dept_head",), ("GYOKAKU",)),
    ("head2", "健康福祉部医療整備課長（所属長）", "head2-pass", ("dept_head",), ("IRYO",)),
)


def demo_data() -> dict[str, Any]:
    """The demo data file as a dict."""
    text = resources.files("kpi.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def _indicator_row(strategy_id: int, ind: dict[str, Any]) -> dict[str, Any]:
    b = ind.get("baseline") or {}
    t = ind.get("target") or {}
    return {
        "strategy_id": strategy_id, "pillar_no": ind["pillar"], "item_no": ind["item"], "code": ind["code"],
        "name": ind["name"], "definition": ind.get("definition"), "unit": ind["unit"],
        "department_code": ind["department"], "target_type": ind["target_type"], "direction": ind["direction"],
        "baseline_value": b.get("value"), "baseline_text": b.get("text"), "baseline_fy": b.get("fy"),
        "baseline_fy_text": b.get("fy_text"), "baseline_illustrative": bool(b.get("illustrative")),
        "target_value": t.get("value"), "target_text": t.get("text"), "target_fy": t.get("fy"),
        "data_source": ind.get("data_source"), "status": ind.get("status", "active"),
        "stop_reason": ind.get("stop_reason"), "stopped_fy": ind.get("stopped_fy"),
        "illustrative": bool(ind.get("illustrative")), "seed_section": ind.get("seed_section"),
        "sort_order": ind.get("sort_order", 0), "valid_from_fy": ind.get("valid_from_fy"),
    }


def _account_for(role: str, prefix: str, department: str) -> str:
    for login, _name, _pw, roles, depts in DEMO_ACCOUNTS:
        if role in roles and department in depts:
            return login
    return f"{prefix}-{department.lower()}"


def _editor_for(department: str) -> str:
    """The demo editor who entered a department's values (editor1, editor2, editor-<code>)."""
    return _account_for("editor", "editor", department)


def head_for(department: str) -> str:
    """The demo head (所属長承認者) who approved a department's values (head1, head2, head-<code>)."""
    return _account_for("dept_head", "head", department)


def _land_value(con, cycle_id: int, batch_id: int, indicator_id: int, ind: dict[str, Any]) -> None:
    """Save, submit, approve at the head level and approve one demo value through the workflow table under the
    two-level chain, with an audit row per step (the approvals name their level, as the services write them)."""
    v = ind["value"]
    editor = _editor_for(ind["department"])
    head = head_for(ind["department"])
    state, saved = apply(None, Action.SAVE, Role.EDITOR)
    value_id = values.insert_value(con, {
        "indicator_id": indicator_id, "cycle_id": cycle_id, "value_number": v.get("number"),
        "value_text": v.get("text"), "value_kind": v["kind"], "value_label": v.get("label"),
        "period_text": v.get("period"), "value_fy": v.get("value_fy"), "note": v.get("note"),
        "qualitative_achieved": v.get("qualitative_achieved"), "reason": v.get("reason"),
        "reason_category": v.get("reason_category"), "reason_illustrative": bool(v.get("reason_illustrative")),
        "state": state.value, "batch_id": batch_id, "entered_by": editor,
    })
    for p in v.get("parts") or ():
        values.insert_value_part(con, value_id, p["no"], p["value"])
    where = {"entity": "value", "entity_id": value_id, "cycle_id": cycle_id, "indicator_id": indicator_id,
             "batch_id": batch_id}
    audit.record(con, AuditEvent.of_transition(saved, actor=editor, new_value=v.get("text"), **where))
    steps = ((Action.SUBMIT, Role.EDITOR, editor), (Action.HEAD_APPROVE, Role.DEPT_HEAD, head),
             (Action.APPROVE, Role.REVIEWER, "reviewer"))
    version = 1
    for action, role, who in steps:
        state, change = apply(state, action, role, actor=who, entered_by=editor, submitted_by=editor,
                              head_approved_by=head if action is Action.APPROVE else None, chain=TWO_LEVEL)
        version = values.update_state(con, value_id, version, state.value, actor=who)
        level = None if action is Action.SUBMIT else f"承認段階: {TWO_LEVEL.name_of(role)}"
        audit.record(con, AuditEvent.of_transition(change, actor=who, new_value=level, **where))
    assert state is State.APPROVED


def load_demo(db: Path | str | None = None, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Initialize the warehouse and load the demo in one transaction; a warehouse that has data is left alone."""
    data = data or demo_data()
    warehouse.init_db(db)
    with warehouse.transaction(db) as con:
        if master.count_strategies(con) > 0:
            return {"loaded": 0}
        sid = master.insert_strategy(con, data["strategy"])
        for p in data["pillars"]:
            master.insert_pillar(con, sid, p["no"], p["name"])
            for it in p["items"]:
                master.insert_item(con, sid, p["no"], it["no"], it["name"])
        report_sections.replace_sections(con, sid, data.get("report_sections") or [])  # the seed's (1), (2)
        chains.replace_levels(con, sid, TWO_LEVEL.rows())  # 担当 → 所属長 → 行政改革推進課
        for d in data["departments"]:
            master.upsert_department(con, d["code"], d["name"], bool(d.get("illustrative")))
        for rc in data["reason_categories"]:
            master.upsert_reason_category(con, rc["code"], rc["name"], rc.get("sort_order", 0))
        cycle_id = master.insert_cycle(con, sid, data["cycle"])
        for later in data.get("later_cycles", ()):
            master.insert_cycle(con, sid, later)  # open for entry, FY2021 is its history
        # earlier cycles after the seed's, so FY2021 keeps the first cycle, value and audit ids
        history = [(master.insert_cycle(con, sid, h), h) for h in data.get("history_cycles", ())]
        batch_id = batches.insert_batch(con, cycle_id=cycle_id, source="demo", created_by="system",
                                       raw_json=json.dumps(data, ensure_ascii=False), status="landed")
        for login, name, pw, roles, depts in _all_accounts(data):
            users.insert_user(con, login, name, hash_password(pw), list(roles), list(depts))
        n_values = 0
        ids: dict[str, int] = {}
        for ind in data["indicators"]:
            iid = ids[ind["code"]] = master.insert_indicator(con, _indicator_row(sid, ind))
            for part in ind.get("parts") or ():
                master.insert_indicator_part(con, iid, part)
            if ind.get("value"):
                _land_value(con, cycle_id, batch_id, iid, ind)
                n_values += 1
        n_values += _land_history(con, history, data["indicators"], ids)
        from kpi.demo.narrative import load_demo_narrative  # the seed's 主な取組, outline and conclusions

        load_demo_narrative(con, sid, cycle_id, _editor_for)
        load_demo_confirmations(con, cycle_id, ids, _editor_for)  # FY2021 見込 → 確定, confirmed in FY2022
    return {"loaded": 1, "indicators": len(data["indicators"]), "values": n_values}


def _land_history(con, history: list[tuple[int, dict[str, Any]]], indicators: list[dict[str, Any]],
                  ids: dict[str, int]) -> int:
    """Land the illustrative values of the earlier cycles, one batch per cycle, like FY2021's; return how many."""
    n = 0
    for hid, h in history:
        batch_id = batches.insert_batch(con, cycle_id=hid, source="demo", created_by="system",
                                       raw_json=json.dumps(h, ensure_ascii=False), status="landed")
        for ind in indicators:
            v = (h.get("values") or {}).get(ind["code"])
            if v:
                _land_value(con, hid, batch_id, ids[ind["code"]], {**ind, "value": v})
                n += 1
    return n


def _all_accounts(data: dict[str, Any]):
    """The documented demo accounts, plus one editor and one head per other department (who entered and approved
    its demo values)."""
    yield from DEMO_ACCOUNTS
    for role, prefix, title in (("editor", "editor", "入力担当"), ("dept_head", "head", "所属長")):
        covered = {d for _l, _n, _p, roles, depts in DEMO_ACCOUNTS if role in roles for d in depts}
        for d in data["departments"]:
            if d["code"] not in covered:
                login = f"{prefix}-{d['code'].lower()}"
                yield (login, f"{d['name']} {title}", f"{login}-pass", (role,), (d["code"],))
