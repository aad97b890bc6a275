"""The approval chain of a strategy as the services use it: read it for a value, set it (master data), and tell
which level an approval or a return of an actor is taken at."""
from __future__ import annotations

from pathlib import Path

import warehouse
from kpi.domain.approval_chain import ApprovalChain, Level
from kpi.domain.audit_events import AuditEvent
from kpi.domain.roles import Role
from kpi.domain.value_states import Action, State
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, check
from warehouse import audit, chains, master

# The head's variant of the division's action.
HEAD_ACTION = {Action.APPROVE: Action.HEAD_APPROVE, Action.RETURN: Action.HEAD_RETURN}


def chain_of(con, strategy_id: int, cache: dict[int, ApprovalChain] | None = None) -> ApprovalChain:
    """The strategy's chain on an open connection (the one-level chain when it has none); cache: per call."""
    if cache is not None and strategy_id in cache:
        return cache[strategy_id]
    chain = ApprovalChain.from_rows(chains.levels(con, strategy_id))
    if cache is not None:
        cache[strategy_id] = chain
    return chain


def level_action(actor: Actor, action: Action, row: dict, chain: ApprovalChain) -> Action:
    """The action an approval or return of this actor is at this value: the head's (所属長承認／所属長差戻し) for a
    department head acting on a submitted value of a two-level chain, the division's otherwise."""
    if (action in HEAD_ACTION and chain.has_head and actor.has(Role.DEPT_HEAD)
            and (not actor.has(Role.REVIEWER) or row.get("state") == State.SUBMITTED.value)):
        return HEAD_ACTION[action]
    return action


def strategy_chain(fiscal_year: int, db: Path | str | None = None) -> ApprovalChain:
    """The chain of the strategy of a fiscal year's cycle."""
    with warehouse.connect(db) as con:
        cycle = master.find_cycle(con, fiscal_year)
        return ApprovalChain.from_rows(chains.levels(con, cycle["strategy_id"]) if cycle else [])


def set_chain(actor: Actor, strategy_id: int, levels: list[tuple[str, str]],
              db: Path | str | None = None) -> ApprovalChain:
    """Set a strategy's chain: (name, role code) per level in order, e.g. [("担当", "editor"), ("所属長",
    "dept_head"), ("行政改革推進課", "reviewer")]; an empty list returns it to the one-level chain."""
    check(actor, Permission.MANAGE_MASTER, what="承認経路の設定")
    chain = ApprovalChain(tuple(Level(name.strip(), Role(role)) for name, role in levels)) if levels else None
    result = chain or ApprovalChain.from_rows([])
    with warehouse.transaction(db) as con:
        before = ApprovalChain.from_rows(chains.levels(con, strategy_id))
        chains.replace_levels(con, strategy_id, chain.rows() if chain else [])
        audit.append(con, [AuditEvent(actor=actor.login, role=actor.primary_role.value, action="set_approval_chain",
                                      entity="strategy", entity_id=str(strategy_id), old_value=before.text,
                                      new_value=result.text)])
    return result
