"""The states a value (or an initiative) passes through and the actions that move it, with their Japanese names.

Kept apart from the transition table (kpi.domain.workflow) so the audit events can name them without importing it.
"""
from __future__ import annotations

from enum import Enum


class State(str, Enum):
    """Workflow state of a value."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Action(str, Enum):
    """What a person does to a value."""

    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


STATE_LABELS_JA = {
    State.DRAFT: "下書き",
    State.SUBMITTED: "提出済",
    State.APPROVED: "承認済",
    State.RETURNED: "差戻し",
}
ACTION_LABELS_JA = {
    Action.SAVE: "保存",
    Action.SUBMIT: "提出",
    Action.APPROVE: "承認",
    Action.RETURN: "差戻し",
    Action.REOPEN: "承認取消",
}
