"""The demo's 見込 → 確定: FY2021 (令和3年度) projections confirmed in FY2022 for a handful of indicators, entered by
their departments and approved by the division through the confirmation's transition table, with audit rows.

One of them changes band (ちば情報マップ: 見込 99地図 → 確定 92地図, 60%以上100%未満 → 30%未満); the others stay
achieved. The confirmed figures are illustrative (the seed report has none): the FY2021 values and every published
figure of the seed stay as they are; only the 'confirmed' basis (kpi summary --basis confirmed, the trends, a
確定値反映版) reads them.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from kpi.domain.audit_events import AuditEvent, FigureChanged
from kpi.domain.confirmations import TRANSITIONS
from kpi.domain.formatting import format_number
from kpi.domain.workflow import Action, Role, State, apply
from warehouse import audit
from warehouse import confirmations as store

SOURCE = "（例示）令和3年度 事業実績報告"
# code → (confirmed figure, date confirmed)
DEMO_CONFIRMATIONS: dict[str, tuple[Decimal, date]] = {
    "P1-1-03": (Decimal(128455), date(2022, 5, 31)),
    "P2-1-06": (Decimal(241), date(2022, 6, 15)),
    "P2-1-15": (Decimal(92), date(2022, 6, 30)),  # changes band: 90% → 20%
    "P2-3-07": (Decimal(84), date(2022, 7, 15)),
    "P3-2-01": (Decimal(598), date(2022, 7, 29)),
}


def load_demo_confirmations(con, cycle_id: int, ids: dict[str, int], editor_for: Callable[[str], str]) -> int:
    """Enter, submit and approve the demo's confirmations of the FY2021 cycle; return how many."""
    n = 0
    for code, (number, confirmed_on) in DEMO_CONFIRMATIONS.items():
        row = store.of_value(con, cycle_id, ids[code])
        editor = editor_for(row["department_code"])
        text = format_number(number, row["unit"] or "")
        state, saved = apply(None, Action.SAVE, Role.EDITOR, transitions=TRANSITIONS,
                             comment=f"確定日: {confirmed_on.isoformat()}／出典: {SOURCE}")
        cid = store.insert(con, {"value_id": row["value_id"], "indicator_id": row["indicator_id"],
                                 "cycle_id": cycle_id, "value_number": number, "value_text": text,
                                 "confirmed_on": confirmed_on, "source": SOURCE, "state": state.value,
                                 "entered_by": editor})
        where = {"entity": "confirmation", "entity_id": cid, "cycle_id": cycle_id, "indicator_id": row["indicator_id"]}
        audit.record(con, AuditEvent.of_transition(saved, actor=editor, figure=FigureChanged(
            before=row["value_text"], after=text), **where))
        version = 1
        for action, role, who in ((Action.SUBMIT, Role.EDITOR, editor), (Action.APPROVE, Role.REVIEWER, "reviewer")):
            state, change = apply(state, action, role, actor=who, entered_by=editor, transitions=TRANSITIONS)
            version = store.update_state(con, cid, version, state.value, actor=who)
            audit.record(con, AuditEvent.of_transition(change, actor=who, new_value=text, **where))
        assert state is State.APPROVED
        n += 1
    return n
