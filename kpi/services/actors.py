"""Who is acting: the actor every service function receives (what it may do: kpi.services.permissions)."""
from __future__ import annotations

from dataclasses import dataclass, field

from kpi.domain.workflow import Role


class Forbidden(PermissionError):
    """The actor may not do this; str() is a Japanese sentence."""


@dataclass(frozen=True)
class Actor:
    """A logged-in person (or the local command line), with roles and departments."""

    login: str
    display_name: str
    roles: frozenset[Role]
    departments: frozenset[str] = field(default_factory=frozenset)
    version: int | None = None  # the account's version when the actor was read; None: not an account (CLI, jobs)

    def has(self, *roles: Role) -> bool:
        """True when the actor holds any of the roles."""
        return any(r in self.roles for r in roles)

    @property
    def primary_role(self) -> Role:
        """The role shown and recorded first: reviewer, admin, executive, department head, then editor."""
        for r in (Role.REVIEWER, Role.ADMIN, Role.EXECUTIVE, Role.DEPT_HEAD, Role.EDITOR):
            if r in self.roles:
                return r
        raise Forbidden("役割が割り当てられていません")


SYSTEM = Actor("system", "システム（コマンドライン）", frozenset({Role.ADMIN, Role.REVIEWER}))
