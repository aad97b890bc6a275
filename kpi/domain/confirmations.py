"""見込 → 確定: the confirmed actual (確定値) of a value published as a projection (見込値) or a 速報.

After a fiscal year ends, the department enters the confirmed figure of each such value with its date and source;
it passes the strategy's approval chain like a value (this module's transition table, same states and actions,
its own permissions: entered only in a closed or finalized cycle). The value itself is never changed: the
published projection stays, and the 'confirmed' basis reads the approved confirmed figure in its place
(`overlay`). Pure: Polars and the standard library only.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import polars as pl

from kpi.domain import workflow
from kpi.domain.permissions import Permission, in_cycle_state
from kpi.domain.value_states import Action
from kpi.domain.workflow import Transition

# The value's table (kpi.domain.workflow) with each permission swapped for the confirmation's own: one table,
# so the two chains cannot drift apart. A transition whose permission has no counterpart (承認取消, REOPEN) is not
# taken by a confirmation: an approved confirmation cannot be reopened.
PERMISSION_MAP: dict[Permission, Permission] = {
    Permission.SAVE: Permission.CONFIRM,
    Permission.SUBMIT: Permission.CONFIRM,
    Permission.HEAD_APPROVE: Permission.CONFIRM_HEAD_APPROVE,
    Permission.HEAD_RETURN: Permission.CONFIRM_HEAD_APPROVE,
    Permission.APPROVE: Permission.CONFIRM_APPROVE,
    Permission.RETURN: Permission.CONFIRM_APPROVE,
}
TRANSITIONS: tuple[Transition, ...] = tuple(
    replace(t, permission=PERMISSION_MAP[t.permission]) for t in workflow.TRANSITIONS
    if t.permission in PERMISSION_MAP)
# Each action takes one permission, whatever the state it starts from.
PERMISSION_OF: dict[Action, Permission] = {t.action: t.permission for t in TRANSITIONS}

CONFIRMED_LABEL = "確定値"
BASIS_LABEL = "確定値反映"  # how a read on the confirmed basis says so
SPEED_MARK = "速報"


def owes_confirmation(value_kind: str | None, value_label: str | None) -> bool:
    """True when an approved value was a projection (見込値) or a 速報 and so owes its 確定値."""
    return value_kind == "projection" or SPEED_MARK in (value_label or "")


def accepting_year(cycles: Iterable[Mapping]) -> int | None:
    """The fiscal year whose 確定値 are asked for (確定値の受付): the latest year whose cycle is closed or finalized,
    None while no year is. Only that year's projections are owed a 確定値 (listed on the 入力 page, counted and
    reminded); once the next year's cycle closes, the older year's are no longer asked for. The seed's history
    (令和元年度・令和2年度) therefore owes nothing while 令和3年度 is the latest finished year."""
    finished = [c["fiscal_year"] for c in cycles if in_cycle_state(Permission.CONFIRM, c["state"])]
    return max(finished, default=None)


# The figure columns a confirmation replaces on the confirmed basis.
FIGURE_COLUMNS = ("value_number", "value_text", "qualitative_achieved")


def overlay(rows: pl.DataFrame, confirmed: pl.DataFrame) -> pl.DataFrame:
    """The rows with each approved confirmed figure in place of the approved one (matched on indicator_id and,
    when both have it, cycle_id); a replaced row reads as an actual labelled 確定値. Columns absent from the rows
    are left absent; rows without a confirmation are unchanged. Adds the boolean column `confirmed`."""
    keys = ["indicator_id"] + (["cycle_id"] if "cycle_id" in rows.columns and "cycle_id" in confirmed.columns else [])
    if not confirmed.height:
        return rows.with_columns(pl.lit(False).alias("confirmed"))
    present = [c for c in FIGURE_COLUMNS if c in rows.columns]
    right = confirmed.select(
        *[pl.col(k).cast(rows.schema[k]) for k in keys],
        *[pl.col(c).cast(rows.schema[c]).alias(f"__k_{c}") for c in present],
        pl.lit(True).alias("confirmed"))
    joined = rows.join(right, on=keys, how="left", maintain_order="left")
    hit = pl.col("confirmed").fill_null(False)
    swaps = [pl.when(hit).then(pl.col(f"__k_{c}")).otherwise(pl.col(c)).alias(c) for c in present]
    if "value_kind" in rows.columns:
        swaps.append(pl.when(hit).then(pl.lit("actual")).otherwise(pl.col("value_kind")).alias("value_kind"))
    if "value_label" in rows.columns:
        swaps.append(pl.when(hit).then(pl.lit(CONFIRMED_LABEL)).otherwise(pl.col("value_label")).alias("value_label"))
    return joined.with_columns(*swaps, hit.alias("confirmed")).drop([f"__k_{c}" for c in present])
