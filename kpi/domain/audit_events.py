"""What the audit trail records, typed: one row (AuditEvent) and the kinds of change that produce rows.

A misspelt or missing field is a TypeError where the event is built, never a NULL in the trail; the warehouse
(warehouse/audit.py, the one writer of audit_log) refuses any field that is not a column.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kpi.domain.roles import Role
from kpi.domain.value_states import Action, State


@dataclass(frozen=True, kw_only=True)
class StateChanged:
    """A workflow transition of a value or an initiative: who acted in which role, the state before and after."""

    action: Action
    role: Role
    before: State | None  # None: the object did not exist yet
    after: State
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class FigureChanged:
    """A figure (or a record's text) before and after a change, as shown in the trail."""

    before: str | None
    after: str | None


@dataclass(frozen=True, kw_only=True)
class AuditEvent:
    """One row of the audit trail (the columns of audit_log the writer fills; id, time and hashes are its own)."""

    actor: str
    role: str
    action: str
    entity: str
    entity_id: str | None = None
    cycle_id: int | None = None
    indicator_id: int | None = None
    from_state: str | None = None
    to_state: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    comment: str | None = None
    batch_id: int | None = None

    def __post_init__(self) -> None:
        for name in ("actor", "role", "action", "entity"):
            if not getattr(self, name):
                raise ValueError(f"audit event without {name}")

    @classmethod
    def of_transition(cls, change: StateChanged, *, actor: str, entity: str, entity_id: Any,
                      cycle_id: int | None = None, indicator_id: int | None = None,
                      figure: FigureChanged | None = None, new_value: str | None = None,
                      batch_id: int | None = None) -> AuditEvent:
        """The row of a workflow transition (new_value: a description when there is no figure change)."""
        return cls(actor=actor, role=change.role.value, action=change.action.value, entity=entity,
                   entity_id=None if entity_id is None else str(entity_id), cycle_id=cycle_id,
                   indicator_id=indicator_id, from_state=change.before.value if change.before else None,
                   to_state=change.after.value, old_value=figure.before if figure else None,
                   new_value=figure.after if figure else new_value, comment=change.comment, batch_id=batch_id)

    def row(self) -> dict[str, Any]:
        """The event as column → value."""
        return asdict(self)
