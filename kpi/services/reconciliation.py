"""見込 → 確定 queries: the projections (and 速報) of a closed year still owed a 確定値, the confirmations waiting
for approval, and the reconciliation table (old → new value and band) a confirmed edition prints.

Only the year that accepts confirmations owes them (kpi.domain.confirmations.accepting_year: the latest closed or
finalized year); an older finished year lists and counts nothing."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.bands import Band
from kpi.domain.confirmations import accepting_year, owes_confirmation
from kpi.domain.formatting import format_jst, format_rate
from kpi.domain.permissions import Permission, in_cycle_state
from kpi.domain.value_states import STATE_LABELS_JA, State
from kpi.services.actors import Actor
from kpi.services.approval_chain import chain_of
from kpi.services.permissions import allowed, check
from kpi.services.summaries import cycle_for, read_figures, view_of
from warehouse import confirmations as store
from warehouse import master


def _line(r: dict) -> dict:
    """One owed or confirmed value as a page or a command shows it."""
    state = r["k_state"]
    return {
        "confirmation_id": r["confirmation_id"], "version": r["k_version"] or 0, "code": r["code"],
        "name": r["name"], "unit": r["unit"] or "", "department": r["department_code"],
        "department_name": r["department_name"], "target_type": r["target_type"], "fiscal_year": r["fiscal_year"],
        "cycle_label": r["cycle_label"], "projection_text": r["value_text"], "projection_label": r["value_label"],
        "confirmed_text": r["k_text"], "confirmed_on": r["k_confirmed_on"], "source": r["k_source"],
        "state": state, "state_ja": STATE_LABELS_JA[State(state)] if state else "未入力",
        "owed": state != State.APPROVED.value, "entered_by": r["k_entered_by"], "review_comment": r["k_comment"],
        "approved_by": r["k_approved_by"], "approved_label": format_jst(r["k_approved_at"]),
    }


def asks_confirmation(r: dict) -> bool:
    """True when an approved value's row (warehouse.confirmations.approved_values) is asked a 確定値: a projection
    or a 速報, of an indicator not stopped that year, not composite (several parts cannot be confirmed yet)."""
    return (owes_confirmation(r["value_kind"], r["value_label"]) and not r["stopped_in_cycle"]
            and r["target_type"] != "composite")


def accepts(con, cycle: dict) -> bool:
    """True when the cycle's year is the one that accepts confirmations (on an open connection)."""
    return (in_cycle_state(Permission.CONFIRM, cycle["state"])
            and cycle["fiscal_year"] == accepting_year(master.list_cycles(con)))


def _may_see(actor: Actor, department: str) -> bool:
    return allowed(actor, Permission.VIEW_UNAPPROVED, department)


def owed(actor: Actor, fiscal_year: int, *, department: str | None = None, strategy: str | None = None,
         db: Path | str | None = None) -> list[dict]:
    """The year's approved projections and 速報 (of the actor's departments; every department for the division)
    with their confirmation, if any: `owed` stays true until the 確定値 is approved. Empty while the cycle is
    neither closed nor finalized (the year is not over), and for a finished year older than the one that accepts
    confirmations (kpi.domain.confirmations.accepting_year)."""
    check(actor, Permission.VIEW_UNAPPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year, strategy)
        if not accepts(con, cycle):  # the year is not over, or a later year accepts the confirmations now
            return []
        rows = store.approved_values(con, cycle["cycle_id"], department)
    return [_line(r) for r in rows if asks_confirmation(r) and _may_see(actor, r["department_code"])]


def owed_counts(fiscal_year: int, *, strategy: str | None = None, db: Path | str | None = None) -> dict[str, int]:
    """Per department: how many 確定値 it still owes for the year (for the reminders, 督促)."""
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year, strategy)
        if not accepts(con, cycle):  # the year is not over, or no longer asked
            return {}
        return _counts(store.approved_values(con, cycle["cycle_id"]))


def owed_by_year(actor: Actor, db: Path | str | None = None) -> list[dict]:
    """The reminders' (督促) view of 見込 → 確定: per department, how many 確定値 of the year that accepts them
    (the latest finished year) are still owed (not entered, a draft, or returned)."""
    check(actor, Permission.REMIND)
    out = []
    with warehouse.connect(db) as con:
        cycles = master.list_cycles(con)
        year = accepting_year(cycles)
        for cycle in cycles:
            if cycle["fiscal_year"] == year and in_cycle_state(Permission.CONFIRM, cycle["state"]):
                rows = store.approved_values(con, cycle["cycle_id"])
                names = {r["department_code"]: r["department_name"] for r in rows}
                out += [{"fiscal_year": cycle["fiscal_year"], "cycle_label": cycle["label"], "department": d,
                         "department_name": names[d], "owed": n} for d, n in _counts(rows).items()]
    return out


def _counts(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        if asks_confirmation(r) and r["k_state"] not in ("submitted", "head_approved", "approved"):
            counts[r["department_code"]] = counts.get(r["department_code"], 0) + 1
    return counts


def queue(actor: Actor, fiscal_year: int | None = None, db: Path | str | None = None) -> list[dict]:
    """Confirmations waiting for the actor's decision: for the division, those approved by the head (and the
    submitted ones too in a one-level chain); for a department head, their departments' submitted ones."""
    head = allowed(actor, Permission.CONFIRM_HEAD_APPROVE)
    if not head:
        check(actor, Permission.CONFIRM_APPROVE)
    with warehouse.connect(db) as con:
        cycle_id = cycle_for(con, fiscal_year)["cycle_id"] if fiscal_year is not None else None
        rows = store.in_review(con, cycle_id)
        cache: dict = {}
        has_head = {sid: chain_of(con, sid, cache).has_head for sid in {r["strategy_id"] for r in rows}}
    division = allowed(actor, Permission.CONFIRM_APPROVE)

    def waits(r: dict) -> bool:
        if r["k_state"] == State.SUBMITTED.value:
            return (division and not has_head[r["strategy_id"]]) or allowed(
                actor, Permission.CONFIRM_HEAD_APPROVE, r["department_code"])
        return division  # approved by the head: the division's

    return [_line(r) for r in rows if waits(r)]


def reconciliation_of(con, cycle: dict) -> list[dict]:
    """The 「見込 → 確定」 table of a cycle on an open connection: per indicator with an approved 確定値, the
    published (approved) value and its band, the confirmed value and its band, whether the band changed, and the
    confirmation's date and source; report order."""
    confirmed = {r["indicator_id"]: r for r in store.approved_values(con, cycle["cycle_id"])
                 if r["k_state"] == State.APPROVED.value}
    if not confirmed:
        return []
    before = {e.row["indicator_id"]: e for e in view_of(read_figures(con, cycle, "approved", full=True)).rows}
    after = view_of(read_figures(con, cycle, "confirmed", full=True)).rows
    lines = []
    for e in after:
        k = confirmed.get(e.row["indicator_id"])
        if k is None:
            continue
        b = before[e.row["indicator_id"]]
        lines.append({
            "code": e.row["code"], "name": e.row["name"], "department": e.row["department_code"],
            "projection_label": k["value_label"] or "見込値", "old_value": k["value_text"] or "—",
            "new_value": k["k_text"] or "—", "old_rate": format_rate(b.percent) if b.percent is not None else "—",
            "new_rate": format_rate(e.percent) if e.percent is not None else "—",
            "old_band": _band(b.band), "new_band": _band(e.band), "band_changed": b.band != e.band,
            "confirmed_on": k["k_confirmed_on"].isoformat() if k["k_confirmed_on"] else "", "source": k["k_source"] or "",
        })
    return lines


def _band(band: Band | None) -> str:
    return band.label_ja if band else "—"


def reconciliation(actor: Actor, fiscal_year: int, *, strategy: str | None = None,
                   db: Path | str | None = None) -> list[dict]:
    """reconciliation_of a fiscal year's cycle (everyone who may read approved figures)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        return reconciliation_of(con, cycle_for(con, fiscal_year, strategy))
