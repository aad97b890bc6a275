"""The content of a published report, built once from an approved CycleView and shared by every writer.

Counts and shares are the very `BandSummary` objects of `kpi.services.summaries.band_groups`, so a deck,
a workbook, a PDF and the open data can never disagree with the summary screen.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal

from kpi.domain.achievement import RateStatus
from kpi.domain.bands import Band
from kpi.domain.editions import Coverage, EditionKind, edition_label, interim_notice
from kpi.domain.formatting import fiscal_year_ja, format_rate
from kpi.domain.summary import UNDECIDABLE, BandSummary, summarize
from kpi.publish.narrative_data import Narrative, narrative_from_snapshot
from kpi.services.evaluation import Evaluated
from kpi.services.listing import (  # public names, aliased locally so that this change stays on the import
    KIND_LABELS_JA, printed_baseline as _baseline_text, printed_target as _target_text, printed_value as _value_text,
    state_label,
)
from kpi.services.summaries import CycleView, band_groups

JST = timezone(timedelta(hours=9), "JST")
UNCATEGORISED = "理由区分なし"


class ReportBasisError(ValueError):
    """A published report was asked for from values that are not all approved; str() is Japanese."""


@dataclass(frozen=True)
class Line:
    """One indicator as the report prints it, with every figure the writers need."""

    code: str
    pillar_no: int
    pillar_name: str
    item_no: int
    item_name: str
    name: str
    unit: str
    department: str
    target_type: str
    direction: str
    baseline_value: Decimal | None
    baseline_text: str
    baseline_fy: int | None
    target_value: Decimal | None
    target_text: str
    target_fy: int | None
    value_number: Decimal | None
    value_text: str
    value_kind: str | None
    kind_ja: str
    value_label: str
    period: str
    rate_percent: Decimal | None  # rounded down to 0.1, as displayed
    rate_text: str
    band: Band | None
    band_ja: str
    reason: str
    reason_category: str | None
    reason_category_name: str
    stopped: bool
    stop_reason: str
    state_ja: str
    figures: str  # 目標値：280人 R3年度実績値：4月～8月 36,821人
    undecidable: bool = False  # 判定不能（比較する値が未入力）: a relative target without the cycle's reference value

    @property
    def counted_as(self) -> Band | str | None:
        """What the line is counted under in a band summary: its band, UNDECIDABLE, or None (unrated)."""
        return UNDECIDABLE if self.undecidable else self.band


@dataclass(frozen=True)
class ReasonGroup:
    """The unachieved indicators of one reason category."""

    code: str | None
    name: str
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class PillarInfo:
    """A pillar with its band summary (the same object band_groups returned)."""

    no: int
    name: str
    summary: BandSummary

    @property
    def label(self) -> str:
        """1.波及効果の高いプロジェクト."""
        return f"{self.no}.{self.name}"


@dataclass(frozen=True)
class Section:
    """One '各項目' part of the report: one pillar, or several reported together (the seed's 2+3)."""

    number: int
    pillars: tuple[PillarInfo, ...]
    summary: BandSummary
    items: tuple[str, ...]
    item_summaries: tuple[tuple[str, BandSummary], ...]
    achieved: tuple[Line, ...]
    unachieved: tuple[ReasonGroup, ...]
    stopped: tuple[Line, ...]
    unrated: tuple[Line, ...]
    undecidable: tuple[Line, ...] = ()  # 判定不能（比較する値が未入力）, listed apart from the unrated

    @property
    def name(self) -> str:
        """波及効果の高いプロジェクト, or 個別施策・推進を支える土台づくり."""
        return "・".join(p.name for p in self.pillars)

    @property
    def heading(self) -> str:
        """（1）波及効果の高いプロジェクト."""
        return f"（{self.number}）{self.name}"

    @property
    def achieved_lead(self) -> str:
        """The seed's sentence: 56指標のうち、43指標で目標達成となる見込み。"""
        return f"{self.summary.total}指標のうち、{len(self.achieved)}指標で目標達成となる見込み。"


@dataclass(frozen=True)
class ReconciliationLine:
    """One row of the 「見込 → 確定」 table of a 確定値反映版: the value as first published and as confirmed."""

    code: str
    name: str
    projection_label: str
    old_value: str
    new_value: str
    old_rate: str
    new_rate: str
    old_band: str
    new_band: str
    band_changed: bool
    confirmed_on: str
    source: str

    @property
    def band_text(self) -> str:
        """100%（達成） → 60%以上100%未満（変更）, or the one band when it did not change."""
        return f"{self.old_band} → {self.new_band}（変更）" if self.band_changed else f"{self.new_band}（変更なし）"


RECONCILIATION_TITLE = "見込 → 確定"
RECONCILIATION_HEAD = ("指標", "見込値（公表時）", "確定値", "達成率（見込 → 確定）", "達成区分", "確定日・出典")


def reconciliation_row(r: ReconciliationLine) -> list[str]:
    """The table row every writer prints (columns of RECONCILIATION_HEAD)."""
    return [f"{r.code} {r.name}", f"{r.old_value}（{r.projection_label}）", r.new_value,
            f"{r.old_rate} → {r.new_rate}", ("★ " if r.band_changed else "") + r.band_text,
            f"{r.confirmed_on} {r.source}".strip()]


@dataclass(frozen=True)
class ReportData:
    """Everything a published output shows, in report order."""

    title: str
    publisher: str
    edition: int
    generated_at: datetime
    fiscal_year: int
    cycle_label: str
    as_of_text: str
    strategy_name: str
    strategy_code: str
    basis: str
    overall: BandSummary
    pillars: tuple[PillarInfo, ...]
    sections: tuple[Section, ...]
    lines: tuple[Line, ...]
    narrative: Narrative | None = None  # initiatives, outline, conclusions (None: a figures-only report)
    kind: str = EditionKind.FINAL.value  # "final" (公表版) or "interim" (速報（中間）版, from an open cycle)
    coverage: Coverage | None = None  # 承認済 n / 全 m 指標 when the edition was made
    reconciliation: tuple[ReconciliationLine, ...] = ()  # 見込 → 確定 (a 確定値反映版 only)

    @property
    def interim(self) -> bool:
        """A 速報（中間）版: made from an open cycle, its figures not settled."""
        return self.kind == EditionKind.INTERIM.value

    @property
    def interim_mark(self) -> str:
        """The mark every page of an interim edition carries ("" for a 公表版)."""
        return interim_notice(self.cycle_label, self.coverage) if self.interim else ""

    @property
    def edition_label(self) -> str:
        """第1版, or 速報（中間）版 第1版."""
        return edition_label(self.edition, self.kind)

    @property
    def generated_label(self) -> str:
        """2021年12月01日 09:30 作成 (Japan time)."""
        return f"{self.generated_at.astimezone(JST):%Y年%m月%d日 %H:%M} 作成"

    @property
    def cycle_caption(self) -> str:
        """令和3年度（令和3年11月時点）."""
        return f"{self.cycle_label}（{self.as_of_text}）" if self.as_of_text else self.cycle_label

    @property
    def footer(self) -> str:
        """The footer of every page: cycle, edition and generation time (Japan time)."""
        return f"{self.strategy_name} {self.cycle_caption}　{self.edition_label}　{self.generated_label}（日本時間）"

    @property
    def overall_lead(self) -> str:
        """The overview sentence with the share achieved, as the seed words it."""
        achieved = self.overall.percent[Band.ACHIEVED]
        when = f"{self.as_of_text}で、" if self.as_of_text else ""
        return (f"計{self.overall.total}の成果指標・数値目標について、{when}実績値又は到達見込値により達成状況を確認した"
                f"ところ、目標値を100%達成した指標の割合は{achieved}%となった。")


def _figures(row: dict) -> str:
    """目標値：6,000時間 R3年度末実績値：5,445時間 — the parenthesised figures of the seed's lists."""
    target = _target_text(row)
    composite = row.get("target_type") == "composite"
    parts = [f"{'目標値' if composite or target[:1].isdigit() else '目標'}：{target}"]
    if row.get("baseline_text") and not row.get("baseline_illustrative"):
        parts.append(f"{row.get('baseline_fy_text') or '基準値'}：{row['baseline_text']}")
    if not row.get("stopped_in_cycle") and (row.get("value_text") or row.get("value_number") is not None):
        period = f"{row['period_text']} " if row.get("period_text") else ""
        label = row.get("value_label") or KIND_LABELS_JA.get(row.get("value_kind") or "", "値")
        parts.append(f"{label}：{period}{row.get('note') or ''}{_value_text(row)}")
    return " ".join(parts)


def _floor_rate(percent: float | None) -> Decimal | None:
    if percent is None:
        return None
    return Decimal(str(percent)).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def _line(e: Evaluated) -> Line:
    r = e.row
    stopped = bool(r.get("stopped_in_cycle"))
    undecidable = e.rate.status is RateStatus.MISSING_REFERENCE
    return Line(
        code=r["code"], pillar_no=r["pillar_no"], pillar_name=r.get("pillar_name") or "", item_no=r["item_no"],
        item_name=r.get("item_name") or "", name=r["name"], unit=r.get("unit") or "",
        department=r.get("department_name") or r.get("department_code") or "",
        target_type=r.get("target_type") or "", direction=r.get("direction") or "",
        baseline_value=r.get("baseline_value"), baseline_text=_baseline_text(r), baseline_fy=r.get("baseline_fy"),
        target_value=r.get("target_value"), target_text=_target_text(r), target_fy=r.get("target_fy"),
        value_number=None if stopped else r.get("value_number"),
        value_text="—" if stopped else _value_text(r),
        value_kind=r.get("value_kind"), kind_ja=KIND_LABELS_JA.get(r.get("value_kind") or "", ""),
        value_label=r.get("value_label") or "", period=r.get("period_text") or "",
        rate_percent=_floor_rate(e.percent),
        rate_text=format_rate(e.percent) if e.percent is not None else (e.rate.message_ja or "—"),
        band=e.band, band_ja=e.band.label_ja if e.band else ("判定不能" if undecidable else "未評価"),
        reason=r.get("reason") or "", reason_category=r.get("reason_category"),
        reason_category_name=r.get("reason_category_name") or "",
        stopped=stopped, stop_reason=r.get("stop_reason") or "",
        state_ja="進捗管理停止" if stopped else state_label(r), figures=_figures(r), undecidable=undecidable,
    )


def reason_heading(name: str) -> str:
    """その他の理由 → その他の理由で未達成（見込）となるもの; names already ending in もの stay as they are."""
    return name if name.endswith("もの") else f"{name}で未達成（見込）となるもの"


def _reason_groups(lines: list[Line]) -> tuple[ReasonGroup, ...]:
    """Categories in order of first appearance in report order; uncategorised last."""
    order: dict[str | None, list[Line]] = {}
    for ln in lines:
        order.setdefault(ln.reason_category, []).append(ln)
    keys = [k for k in order if k is not None] + ([None] if None in order else [])
    out = []
    for k in keys:
        name = order[k][0].reason_category_name or (k or UNCATEGORISED)
        out.append(ReasonGroup(k, name, reason_heading(name), tuple(order[k])))
    return tuple(out)


def _circled(n: int) -> str:
    return chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})"


def _items(lines: list[Line], many_pillars: bool) -> list[tuple[str, BandSummary]]:
    """① ICTを活用した庁内業務の効率化 (2-① when pillars are reported together) with the item's bands."""
    by_item: dict[tuple[int, int], list[Line]] = {}
    for ln in lines:
        by_item.setdefault((ln.pillar_no, ln.item_no), []).append(ln)
    out = []
    for (p, i), its in by_item.items():
        label = f"{f'{p}-' if many_pillars else ''}{_circled(i)} {its[0].item_name}".rstrip()
        out.append((label, summarize(f"item-{p}-{i}", (ln.counted_as for ln in its))))
    return out


def _section(number: int, infos: tuple[PillarInfo, ...], summary: BandSummary, lines: list[Line]) -> Section:
    unachieved = [ln for ln in lines if ln.band in (Band.B60_100, Band.B30_60, Band.UNDER_30)]
    items = _items(lines, len(infos) > 1)
    return Section(
        number=number, pillars=infos, summary=summary, items=tuple(label for label, _ in items),
        item_summaries=tuple(items),
        achieved=tuple(ln for ln in lines if ln.band is Band.ACHIEVED),
        unachieved=_reason_groups(unachieved),
        stopped=tuple(ln for ln in lines if ln.band is Band.STOPPED),
        unrated=tuple(ln for ln in lines if ln.band is None and not ln.undecidable),
        undecidable=tuple(ln for ln in lines if ln.undecidable),
    )


def build(view: CycleView, *, title: str | None = None, publisher: str | None = None, edition: int = 1,
          generated_at: datetime | None = None, sections: Sequence[Sequence[int]] | None = None,
          narrative: dict | Narrative | None = None, kind: str = EditionKind.FINAL.value,
          coverage: Coverage | None = None, reconciliation: Sequence[dict] = ()) -> ReportData:
    """The report of an approved cycle view; `sections=[[1], [2, 3]]` reports pillars 2 and 3 together as the seed does.

    `narrative` (a snapshot of `kpi.services.narrative.snapshot`, or a Narrative) adds the approved initiatives,
    the strategy outline and the conclusions; `reconciliation` (kpi.services.reconciliation.reconciliation_of) the
    「見込 → 確定」 table of a 確定値反映版, whose view is on the confirmed basis."""
    if view.basis not in ("approved", "confirmed"):
        raise ReportBasisError(f"公表資料は承認済みの値だけで作成します（指定された集計基準: {view.basis}）")
    if edition < 1:
        raise ValueError(f"版番号は1以上で指定してください: {edition}")
    cycle = view.cycle
    groups = band_groups(view)
    infos = tuple(PillarInfo(p["no"], p["name"], g) for p, g in zip(view.pillars, groups[1:]))
    by_no = {p.no: p for p in infos}
    lines = [_line(e) for e in view.rows]
    chosen = [list(s) for s in sections] if sections else [[p.no] for p in infos]
    flat = [no for nos in chosen for no in nos]
    if not all(chosen) or len(flat) != len(set(flat)) or set(flat) - set(by_no):
        raise ValueError(f"区分の指定が不正です（柱は {sorted(by_no)} から重複なく選んでください）: {chosen}")
    built = []
    for n, nos in enumerate(chosen, start=1):
        # one pillar: its own group object; several: band_groups' 'all' over exactly those pillars
        summary = by_no[nos[0]].summary if len(nos) == 1 else band_groups(view, nos)[0]
        built.append(_section(n, tuple(by_no[no] for no in nos), summary,
                              [ln for ln in lines if ln.pillar_no in nos]))
    fy = cycle["fiscal_year"]
    strategy = cycle.get("strategy_name") or ""
    suffix = {EditionKind.INTERIM.value: "（速報・中間）", EditionKind.CONFIRMED.value: "（確定値反映）"}.get(kind, "")
    return ReportData(
        title=title or f"{fiscal_year_ja(fy)} {strategy} 進捗状況について{suffix}",
        publisher=publisher or cycle.get("publisher") or "",
        edition=edition, generated_at=generated_at or datetime.now(JST),
        fiscal_year=fy, cycle_label=cycle.get("label") or fiscal_year_ja(fy),
        as_of_text=cycle.get("as_of_text") or "", strategy_name=strategy,
        strategy_code=cycle.get("strategy_code") or "", basis=view.basis,
        overall=groups[0], pillars=infos, sections=tuple(built), lines=tuple(lines),
        narrative=narrative if isinstance(narrative, Narrative) or narrative is None
        else narrative_from_snapshot(narrative),
        kind=EditionKind(kind).value, coverage=coverage,
        reconciliation=tuple(ReconciliationLine(**{k: r[k] for k in ReconciliationLine.__dataclass_fields__})
                             for r in reconciliation),
    )
