"""The states a value (or an initiative) passes through and the actions that move it, with their Japanese names.

Kept apart from the transition table (kpi.domain.workflow) so the audit events can name them without importing it.
"""
from __future__ import annotations

from enum import Enum


class State(str, Enum):
    """Workflow state of a value."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    HEAD_APPROVED = "head_approved"  # approved by the department's head, waiting for the division
    APPROVED = "approved"
    RETURNED = "returned"


class Action(str, Enum):
    """What a person does to a value."""

    SAVE = "save"
    SUBMIT = "submit"
    HEAD_APPROVE = "head_approve"  # 所属長承認 (一次)
    HEAD_RETURN = "head_return"  # 所属長差戻し
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


STATE_LABELS_JA = {
    State.DRAFT: "下書き",
    State.SUBMITTED: "提出済",
    State.HEAD_APPROVED: "所属長承認済",
    State.APPROVED: "承認済",
    State.RETURNED: "差戻し",
}
ACTION_LABELS_JA = {
    Action.SAVE: "保存",
    Action.SUBMIT: "提出",
    Action.HEAD_APPROVE: "所属長承認",
    Action.HEAD_RETURN: "所属長差戻し",
    Action.APPROVE: "承認",
    Action.RETURN: "差戻し",
    Action.REOPEN: "承認取消",
}
