"""The roles of DOMAIN.md (who a person is to the system), with their Japanese names."""
from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """Roles of DOMAIN.md."""

    EDITOR = "editor"  # 担当課 入力担当
    DEPT_HEAD = "dept_head"  # 所属長承認者: approves for their departments before the division (issue #22)
    REVIEWER = "reviewer"  # 行政改革推進課 審査担当
    EXECUTIVE = "executive"  # 幹部
    ADMIN = "admin"  # システム管理者


ROLE_LABELS_JA = {
    Role.EDITOR: "担当課 入力担当",
    Role.DEPT_HEAD: "所属長承認者",
    Role.REVIEWER: "行政改革推進課 審査担当",
    Role.EXECUTIVE: "幹部",
    Role.ADMIN: "システム管理者",
}
