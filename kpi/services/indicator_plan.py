"""Reading an indicator list into a planned import (used by kpi.services.indicator_import): every row through
kpi.domain.planning_rows, headings, departments (short names when unique) and codes, every problem of every cell,
and the preview rows. Reads only; nothing is written here."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from kpi.domain.formatting import fiscal_year_ja, format_number
from kpi.domain.model import Direction, TargetType
from kpi.domain.normalize import InputError, clean_text
from kpi.domain.planning_headings import parse_heading
from kpi.domain.planning_periods import ERAS, era_of_year, period_label
from kpi.domain.planning_rows import RowReading, read_row
from kpi.domain.planning_text import KIND_LABELS, RowProblems
from kpi.io.indicator_import import SheetRow, read_indicator_file
from kpi.io.workbook import Problem, WorkbookRefused
from warehouse import indicator_import as repo
from warehouse import master

__all__ = ["ImportReport", "Planned", "plan_file", "resolve_era", "DIRECTION_LABELS", "COMPARISON_LABELS"]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,29}$")
DIRECTION_LABELS = {Direction.HIGHER: "高い方が良い", Direction.LOWER: "低い方が良い"}


@dataclass
class ImportReport:
    """What an import did or would do: status ready (preview) / imported / refused, rows, every problem."""

    status: str
    strategy: str
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created_pillars: list[str] = field(default_factory=list)
    created_items: list[str] = field(default_factory=list)
    era: str | None = None  # the 記載の元号 the years without an era were read through
    total_rows: int = 0  # data rows in the file
    refused_rows: int = 0  # rows with at least one problem
    details: list[dict] = field(default_factory=list)  # every problem as {row, column, text, message}
    indicators: list[dict] = field(default_factory=list)  # every readable row as the dry run prints it

    @property
    def imported(self) -> int:
        """How many indicators landed (0 unless status is imported)."""
        return len(self.rows) if self.status == "imported" else 0


@dataclass
class Planned:
    row_no: int
    code: str | None
    pillar_no: int
    item_no: int
    name: str
    definition: str | None
    department: str
    source: str | None
    plan: RowReading


def resolve_era(era: str | None = None, adopted: int | None = None, stored: str | None = None) -> str | None:
    """The 記載の元号: the one given for this import, else the era of the plan's adoption year, else the strategy's."""
    if era:
        if era not in ERAS:
            raise ValueError(f"記載の元号「{era}」は選べません（{'・'.join(ERAS)}のどれか）。")
        return era
    if adopted:
        return era_of_year(adopted)
    return stored


# ---------------------------------------------------------------------------------------------------------
# planning


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace()).casefold()


def plan_file(con, data: bytes, filename: str | None, strategy: str, era: str | None = None,
               adopted: int | None = None, department: str | None = None) -> tuple[ImportReport, list[Planned]]:
    """The file read and checked against the strategy; `department`: the 担当課 for rows that leave it blank
    (printed plans often list a department per section, or none)."""
    department_default = department
    contents = repo.strategy_contents(con, strategy)
    if contents is None:
        known = "、".join(s["code"] for s in repo.list_strategies(con)) or "なし"
        return ImportReport("refused", strategy, problems=[Problem(None, None, f"戦略コード「{strategy}」はありません"
                                                                               f"（登録されている戦略: {known}）。")]), []
    report = ImportReport("ready", strategy)
    try:
        report.era = resolve_era(era, adopted, repo.printed_era(con, strategy))
    except ValueError as error:
        return ImportReport("refused", strategy, problems=[Problem(None, None, str(error))]), []
    try:
        rows = read_indicator_file(data, filename=filename)
    except WorkbookRefused as refused:
        report.status = "refused"
        report.problems = refused.problems
        return report, []
    departments = master.list_departments(con)
    by_code = {d["code"].upper(): d["code"] for d in departments}
    by_name = {_fold(d["name"]): d["code"] for d in departments}
    known_depts = "、".join(d["code"] for d in departments)
    new_pillars: dict[int, tuple[str, int]] = {}  # no → (name, first row)
    new_items: dict[tuple[int, int], tuple[str, int]] = {}
    seen_codes: dict[str, int] = {}
    existing_names = {_fold(n) for n in contents.names}
    seen_names: dict[str, int] = {}
    planned: list[Planned] = []
    problems = report.problems

    report.total_rows = len(rows)
    for row in rows:
        before = len(problems)

        def problem(column: str | None, message: str, row_no: int = row.row_no, row=row) -> None:
            problems.append(Problem(row_no, column, f"{row_no}行目「{column}」: {message}" if column
                                    else f"{row_no}行目: {message}"))
            report.details.append({"row": row_no, "column": column, "text": row.get(column) if column else "",
                                   "message": message})

        def text(column: str, limit: int, required: bool = False) -> str | None:
            try:
                value = clean_text(row.get(column), field=column, max_length=limit)
            except InputError as error:
                problem(column, str(error))
                return None
            if value is None and required:
                problem(column, f"「{column}」が空です。")
            return value

        code = text("コード", 30)
        if code is not None:
            code = unicodedata.normalize("NFKC", code).strip()
            if not _CODE.match(code):
                problem("コード", f"「{code[:40]}」はコードに使えません。半角英数字と「-_.」の30文字以内にしてください"
                                  "（空欄なら自動で付けます）。")
            elif code in contents.codes:
                problem("コード", f"コード「{code}」の指標は戦略に既にあります。既存の指標の変更は「管理」ページで行ってください。")
            elif code in seen_codes:
                problem("コード", f"コード「{code}」が{seen_codes[code]}行目と重複しています。")
            else:
                seen_codes[code] = row.row_no
        name = text("指標名", 200, required=True)
        if name is not None:
            if _fold(name) in existing_names:
                problem("指標名", f"「{name[:40]}」という指標は戦略に既にあります（同じファイルを2回取り込んでいないか確認してください）。")
            elif _fold(name) in seen_names:
                problem("指標名", f"「{name[:40]}」が{seen_names[_fold(name)]}行目と重複しています。")
            else:
                seen_names[_fold(name)] = row.row_no
        definition = text("定義", 2000)
        source = text("出典", 500)
        pillar_no = _heading(PILLAR, row, contents.pillars, new_pillars, problem)
        item_no = (_heading(ITEM, row, contents.items, new_items, problem, key=lambda no: (pillar_no, no),
                            pillar=pillar_no) if pillar_no is not None else None)
        department = _department(row.get("担当課") or (department_default or ""), by_code, by_name, known_depts,
                                 problem)
        try:
            plan = read_row(target=row.get("目標"), baseline=row.get("現状（基準値）") or None,
                            unit=row.get("単位") or None, kind=row.get("目標の種類") or None, printed_era=report.era)
        except RowProblems as bad:
            for p in bad.problems:
                problem(p.column, p.message)
            plan = None
        if plan is not None:
            report.indicators.append({"row": row.row_no, "name": name, **plan.as_json()})
        report.refused_rows += len(problems) > before
        if None not in (name, pillar_no, item_no, department, plan):
            planned.append(Planned(row.row_no, code, pillar_no, item_no, name, definition, department, source, plan))

    if problems:
        report.status = "refused"
        return report, []
    _assign_codes(planned, contents.codes)
    report.created_pillars = [f"{no} {n}" for no, (n, _) in sorted(new_pillars.items())]
    report.created_items = [f"{p}-{i} {n}" for (p, i), (n, _) in sorted(new_items.items())]
    pillar_names = {**contents.pillars, **{no: n for no, (n, _) in new_pillars.items()}}
    report.rows = [_preview(p, pillar_names) for p in planned]
    return report, planned


@dataclass(frozen=True)
class _Level:
    """How one heading level (柱 or 項目) is named in messages and keyed among existing and new headings."""

    field: str
    last: bool
    empty: str
    unknown_name: str
    differs: str
    needs_name: str


PILLAR = _Level("柱", False,
                "「柱」が空です。番号と名前（例: 1 波及効果の高いプロジェクト）を入力してください。",
                "柱「{name}」は戦略にありません。新しい柱は番号を付けて入力してください（例: 4 {short}）。",
                "柱{no}の名前が{row}行目（{first}）と違います。",
                "柱{no}は戦略にありません。新しい柱を作るには名前も入力してください（例: {no} 推進体制の整備）。")
ITEM = _Level("項目", True,
              "「項目」が空です。柱の中の番号と名前（例: ①ICTを活用した庁内業務の効率化）を入力してください。",
              "柱{pillar}に項目「{name}」はありません。新しい項目は番号を付けて入力してください。",
              "柱{pillar}の項目{no}の名前が{row}行目（{first}）と違います。",
              "柱{pillar}に項目{no}はありません。新しい項目を作るには名前も入力してください。")


def _heading(level: _Level, row: SheetRow, existing: dict, new: dict, problem, key=lambda no: no,
             pillar: int | None = None) -> int | None:
    """The number of an existing or new heading, given as 「番号 名前」, a number alone or a name alone."""
    try:
        no, name = parse_heading(row.get(level.field), field=level.field, last=level.last)
    except InputError as error:
        problem(level.field, str(error))
        return None
    if no is None and name is None:
        problem(level.field, level.empty)
        return None
    if no is None:
        named = {**existing, **{k: v[0] for k, v in new.items()}}
        matches = [k for k, known in named.items() if _fold(known) == _fold(name) and key(_no_of(k)) == k]
        if not matches:
            problem(level.field, level.unknown_name.format(name=name[:40], short=name[:20], pillar=pillar))
            return None
        return _no_of(matches[0])
    k = key(no)
    if k in existing:
        return no
    if k in new:
        first_name, first_row = new[k]
        if name and _fold(name) != _fold(first_name):
            problem(level.field, level.differs.format(no=no, row=first_row, first=first_name[:30], pillar=pillar))
            return None
        return no
    if not name:
        problem(level.field, level.needs_name.format(no=no, pillar=pillar))
        return None
    new[k] = (name, row.row_no)
    return no


def _no_of(key) -> int:
    """A heading's own number: the key itself for a pillar, the second half of (pillar, item) for an item."""
    return key[1] if isinstance(key, tuple) else key


def _department(typed: str, by_code, by_name, known: str, problem) -> str | None:
    """A department code or name; a short name (「経済政策課」 for 「商工労働部経済政策課」) when it names exactly one."""
    s = unicodedata.normalize("NFKC", typed or "").strip()
    if not s:
        problem("担当課", f"「担当課」が空です。担当課コード（{known}）か担当課の名前を入力してください。")
        return None
    found = by_code.get(s.upper()) or by_name.get(_fold(s))
    if found is not None:
        return found
    short = [code for name, code in by_name.items() if name.endswith(_fold(s))]
    if len(short) == 1:
        return short[0]
    if short:
        names = {code: name for name, code in by_name.items()}
        problem("担当課", f"担当課「{s[:40]}」に当てはまる担当課が{len(short)}つあります（"
                          + "、".join(f"{c}: {names[c]}" for c in sorted(short))
                          + "）。担当課コードか、部局名から書いた名前で指定してください。")
        return None
    problem("担当課", f"担当課「{s[:40]}」は登録されていません。登録されている担当課コード: {known}"
                      "（新しい担当課は先に「管理」ページで登録してください）。")
    return None


def _assign_codes(planned: list[Planned], existing: frozenset[str]) -> None:
    """Give each row without a code the next free P{柱}-{項目}-{連番}."""
    used = set(existing) | {p.code for p in planned if p.code}
    last: dict[tuple[int, int], int] = {}
    for p in planned:
        if p.code:
            continue
        key = (p.pillar_no, p.item_no)
        n = last.get(key, 0) + 1
        while f"P{p.pillar_no}-{p.item_no}-{n:02d}" in used:
            n += 1
        last[key] = n
        p.code = f"P{p.pillar_no}-{p.item_no}-{n:02d}"
        used.add(p.code)


COMPARISON_LABELS = {"ge": "以上", "gt": "超（ちょうどは未達成）", "le": "以下", "lt": "未満（ちょうどは未達成）"}


def _figure_text(value, unit: str | None, period=None) -> str:
    """「720社（令和9年度）」: the figure and, for a fiscal year, its era label; other periods as resolved."""
    shown = format_number(value, unit or "")
    if period is None:
        return shown
    if period.kind == "fiscal_year" and period.aggregate is None:
        return f"{shown}（{fiscal_year_ja(period.end)}）"
    return f"{shown}（{period_label(period).split('（「')[0]}）"


def _preview(p: Planned, pillar_names: dict[int, str]) -> dict:
    plan = p.plan
    if plan.parts:
        target = "・".join(f"{q['label']}{_figure_text(Decimal(q['target']), plan.unit)}" if q["target"] is not None
                          else f"{q['label']}{plan.target_text}" for q in plan.parts)
        baseline = "・".join(f"{q['label']}{_figure_text(Decimal(q['baseline']), plan.unit)}" for q in plan.parts
                            if q["baseline"] is not None) or "なし"
    else:
        target = (_figure_text(plan.target, plan.unit, plan.target_period) if plan.target is not None
                  else plan.target_text)
        baseline = ("なし" if plan.baseline_text is None else
                    _figure_text(plan.baseline, plan.unit, plan.baseline_period) if plan.baseline is not None
                    else plan.baseline_text)
    if plan.reference:
        target = f"{plan.reference}{COMPARISON_LABELS.get(plan.comparison, '')}"
    return {"行": p.row_no, "コード": p.code, "柱": f"{p.pillar_no} {pillar_names.get(p.pillar_no, '')}".strip(),
            "項目": p.item_no, "指標名": p.name, "担当課": p.department, "単位": plan.unit or "",
            "目標の種類": KIND_LABELS[TargetType(plan.target_type)], "方向": DIRECTION_LABELS[plan.direction],
            "比較": COMPARISON_LABELS.get(plan.comparison, ""), "現状（基準値）": baseline,
            "現状の期間": period_label(plan.baseline_period), "目標": target,
            "目標の期間": period_label(plan.target_period), "注記": plan.note or ""}
