"""The demo's narrative: the seed's FY2021 main initiatives (主な取組), strategy outline and conclusions
(kpi/demo/chiba_ict_fy2021_narrative.json), landed by :func:`kpi.demo.seed.load_demo` on its connection."""
from __future__ import annotations

import json
from importlib import resources

from kpi.domain.audit_events import AuditEvent
from kpi.domain.initiatives import BaseKind, InitiativeInput, check_input
from kpi.domain.workflow import Action, Role, State, apply
from kpi.services.initiatives import ENTITY, stored
from kpi.services.narrative import ConclusionsInput, Finding, OutlineInput, conclusion_fields, outline_fields
from warehouse import initiatives as repo
from warehouse import audit


DEMO_FILE = "chiba_ict_fy2021_narrative.json"


def demo_narrative() -> dict:
    """The seed's FY2021 narrative (kpi/demo/chiba_ict_fy2021_narrative.json)."""
    return json.loads(resources.files("kpi.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8"))


def load_demo_narrative(con, strategy_id: int, cycle_id: int, editor_for, reviewer: str = "reviewer",
                        data: dict | None = None) -> int:
    """On load_demo's connection: areas, the seed's initiatives (saved, submitted and approved through the
    workflow table with an audit row per step), the outline and the conclusions. Returns how many initiatives."""
    data = data or demo_narrative()
    fy = con.execute("SELECT fiscal_year FROM cycles WHERE cycle_id = ?", [cycle_id]).fetchone()[0]
    if fy != data["fiscal_year"]:
        return 0
    for a in data["areas"]:
        repo.upsert_area(con, a["code"], a["name"], a.get("scope"), a["sort_order"])
    codes = {a["code"] for a in data["areas"]}
    for n, item in enumerate(data["initiatives"], start=1):
        fig = item.get("figure") or {}
        raw = InitiativeInput(item["area"], item["title"], item.get("period"), tuple(item.get("points") or ()),
                              fig.get("label"), None if fig.get("value") is None else str(fig["value"]),
                              fig.get("unit"), None if fig.get("base") is None else str(fig["base"]),
                              fig.get("base_kind") or BaseKind.PREVIOUS_YEAR.value, bool(item.get("continued")))
        fields, errors = check_input(raw, codes)
        if errors:
            raise ValueError(f"demo initiative {n}: {[str(e) for e in errors]}")
        editor = editor_for(item["department"])
        state, saved = apply(None, Action.SAVE, Role.EDITOR)
        iid = repo.insert_initiative(con, {"cycle_id": cycle_id, "department_code": item["department"],
                                           "state": state.value, "entered_by": editor, **stored(fields, n)})
        where = {"entity": ENTITY, "entity_id": iid, "cycle_id": cycle_id}
        audit.record(con, AuditEvent.of_transition(saved, actor=editor, new_value=fields.title, **where))
        version = 1
        for action, role, who in ((Action.SUBMIT, Role.EDITOR, editor), (Action.APPROVE, Role.REVIEWER, reviewer)):
            state, change = apply(state, action, role, actor=who, entered_by=editor)
            version = repo.update_state(con, iid, version, state.value, actor=who)
            audit.record(con, AuditEvent.of_transition(change, actor=who, **where))
        assert state is State.APPROVED
    o = data["outline"]
    repo.save_outline(con, strategy_id, outline_fields(OutlineInput(
        o.get("purpose"), o.get("period_text"), o.get("vision"), o.get("approach"), tuple(o.get("players") or ()),
        {int(k): v for k, v in (o.get("pillar_notes") or {}).items()}, tuple(o.get("bodies") or ()))),
        expected_version=None, actor=reviewer)
    audit.record(con, AuditEvent(actor=reviewer, role="reviewer", action="save", entity="strategy_outline",
                                 entity_id=str(strategy_id), cycle_id=cycle_id, new_value="第1版"))
    c = data["conclusions"]
    repo.save_conclusions(con, cycle_id, conclusion_fields(ConclusionsInput(
        c.get("title"), c.get("lead"), tuple(Finding(f["heading"], tuple(f.get("points") or ()))
                                             for f in c.get("findings") or ()), c.get("direction"))),
        expected_version=None, actor=reviewer)
    audit.record(con, AuditEvent(actor=reviewer, role="reviewer", action="save", entity="conclusions",
                                 entity_id=str(cycle_id), cycle_id=cycle_id, new_value="第1版"))
    return len(data["initiatives"])
