"""Which edition a cycle may be published as: a 公表版 only from a closed or finalized cycle, a 速報（中間）版 only
from an open one, and never from a cycle in preparation. Pure: the coverage is passed in."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kpi.domain.cycles import CYCLE_STATE_LABELS_JA, CycleState
from kpi.domain.workflow import WorkflowError


class EditionKind(str, Enum):
    """The kind of an edition (the `editions.kind` column)."""

    FINAL = "final"
    INTERIM = "interim"
    CONFIRMED = "confirmed"  # a new edition of a finished year with its 確定値 in place of projections (見込 → 確定)


EDITION_KIND_LABELS_JA = {EditionKind.FINAL: "公表版", EditionKind.INTERIM: "速報（中間）版",
                          EditionKind.CONFIRMED: "確定値反映版"}


@dataclass(frozen=True)
class PillarCoverage:
    """One pillar's indicators under progress management and how many have an approved value."""

    no: int
    name: str
    approved: int
    total: int

    @property
    def text(self) -> str:
        """承認済 8 / 11."""
        return f"承認済 {self.approved:,} / {self.total:,}"


@dataclass(frozen=True)
class Coverage:
    """A cycle's coverage: approved values among the indicators under progress management, per pillar."""

    pillars: tuple[PillarCoverage, ...]

    @property
    def approved(self) -> int:
        """Indicators with an approved value."""
        return sum(p.approved for p in self.pillars)

    @property
    def total(self) -> int:
        """Indicators under progress management (stopped ones left out)."""
        return sum(p.total for p in self.pillars)

    @property
    def complete(self) -> bool:
        """Every indicator has its approved value."""
        return self.approved == self.total

    @property
    def text(self) -> str:
        """承認済 8 / 全 67 指標."""
        return f"承認済 {self.approved:,} / 全 {self.total:,} 指標"


class EditionRefused(WorkflowError):
    """The cycle cannot be published as asked in its state; str() is Japanese and names state and coverage."""


def edition_kind(state: CycleState | str, *, interim: bool, label: str, coverage: Coverage,
                 confirmed: int | None = None) -> EditionKind:
    """The kind of edition asked for, or EditionRefused saying why (state and coverage named). confirmed: the
    number of approved 確定値 when a 確定値反映版 is asked for (None: not asked)."""
    s = CycleState(state)
    state_ja = CYCLE_STATE_LABELS_JA[s]
    where = f"{label}は{state_ja}（{coverage.text}）"
    if confirmed is not None:
        if s not in (CycleState.CLOSED, CycleState.FINALIZED) or interim:
            raise EditionRefused(f"{where}のため、確定値反映版は作成できません。締切済または確定済の年度で作成してください。")
        if confirmed < 1:
            raise EditionRefused(f"{label}には承認済の確定値がないため、確定値反映版は作成できません。")
        return EditionKind.CONFIRMED
    if s is CycleState.PREPARING:
        raise EditionRefused(f"{where}のため、公表資料は作成できません。")
    if s is CycleState.OPEN and not interim:
        raise EditionRefused(f"{where}のため、公表版は作成できません。締切（締切済）または確定の後に公表するか、"
                             f"速報（中間）版として作成してください。")
    if s is not CycleState.OPEN and interim:
        raise EditionRefused(f"{where}のため、速報（中間）版ではなく公表版として作成してください。")
    return EditionKind.INTERIM if interim else EditionKind.FINAL


def edition_label(edition_no: int, kind: EditionKind | str) -> str:
    """第2版, or 速報（中間）版 第1版, or 確定値反映版 第2版."""
    k = EditionKind(kind)
    return f"第{edition_no}版" if k is EditionKind.FINAL else f"{EDITION_KIND_LABELS_JA[k]} 第{edition_no}版"


def interim_notice(cycle_label: str, coverage: Coverage | None) -> str:
    """The mark of every page of an interim edition."""
    cov = f"（{coverage.text}）" if coverage else ""
    return f"速報（中間）版{cov}：{cycle_label}は受付中で、数値は確定していません"
