"""What a person is told when someone else changed a value first: who, what, when, and what is stored now."""
from __future__ import annotations

from kpi.domain.formatting import format_jst
from kpi.domain.workflow import ACTION_LABELS_JA, STATE_LABELS_JA, Action, State, WorkflowError
from warehouse import changes


class Conflict(WorkflowError):
    """Someone else changed the value since it was read (optimistic locking)."""


def stored_figure(row: dict) -> str:
    """The stored figure of a value row as the person reads it ("—" when there is none)."""
    if row.get("value_text"):
        return row["value_text"]
    if row.get("value_number") is not None:
        return str(row["value_number"])
    if row.get("qualitative_achieved") is not None:
        return "達成" if row["qualitative_achieved"] else "未達成"
    return "—"


def change_text(change: dict | None) -> str:
    """「editor-x（山田）が 2026-12-06 10:03 に保存」, or 「他の人が」 when the audit trail has nothing."""
    if not change:
        return "他の人が変更"
    who = change["actor_name"] if change["actor_name"] == change["actor"] else f"{change['actor_name']}（{change['actor']}）"
    try:
        action = ACTION_LABELS_JA[Action(change["action"])]
    except ValueError:
        action = "変更"
    return f"{who}が {format_jst(change['occurred_at'])} に{action}"


def conflict_message(row: dict, change: dict | None) -> str:
    """The sentence of a conflict on one value: who changed it when, and what is stored now."""
    state = STATE_LABELS_JA[State(row["state"])] if row.get("state") else "未入力"
    return (f"「{row['name']}」（{row['code']}）は他の人が先に更新しました: あなたが表示した後に{change_text(change)}"
            f"しています（保存されている値: {stored_figure(row)}、状態: {state}）。あなたの操作は行っていません。"
            "最新の内容を確かめてから、もう一度操作してください。")


def conflict(con, row: dict) -> Conflict:
    """A Conflict for a value row whose version moved on, naming who changed it, when, and the stored value."""
    if row.get("value_id") is None:
        return Conflict(f"「{row['name']}」（{row['code']}）は他の人が先に更新しました。最新の内容を確かめてから、"
                        "もう一度操作してください。")
    return Conflict(conflict_message(row, changes.last_changes(con, [row["value_id"]]).get(row["value_id"])))
