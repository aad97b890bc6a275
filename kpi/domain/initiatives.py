"""Initiatives (主な取組): the computed comparison of a figure (前年比1.7倍, 9割弱) and the checks of an entry.

The comparison is never typed: it comes from the figure and either last year's figure (前年比) or the whole the
figure is part of (割合: 6,000件のうち5,300件 → 9割弱). Exact fractions, rounded half-up only for display.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from fractions import Fraction

from .formatting import format_number
from .normalize import InputError, clean_text, parse_number

MAX_POINTS = 10
MAX_PHOTOS = 4
MAX_PHOTO_BYTES = 3 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


class BaseKind(str, Enum):
    """What the second figure of an initiative is."""

    PREVIOUS_YEAR = "previous_year"  # 前年比
    TOTAL = "total"  # 割合 (the figure is part of this whole)


BASE_KIND_LABELS_JA = {BaseKind.PREVIOUS_YEAR: "前年の数値（前年比）", BaseKind.TOTAL: "全体の数（割合）"}


@dataclass(frozen=True)
class Comparison:
    """The figure against its base: the exact ratio and how the report says it."""

    kind: BaseKind
    ratio: Fraction
    text: str  # 前年比1.7倍 / 9割弱


def _half_up(value: Fraction, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(q, rounding=ROUND_HALF_UP) \
        if value.denominator != 1 else Decimal(value.numerator).quantize(q)


def ratio_text(ratio: Fraction) -> str:
    """前年比 as the report prints it: one decimal, half-up (1227/722 → 前年比1.7倍)."""
    return f"前年比{_half_up(ratio, 1)}倍"


def share_text(share: Fraction) -> str:
    """A share as 割 with 強/弱 (5300/6000 → 9割弱, 0.92 → 9割強, 0.5 → 5割); 0 → なし, 1 → 全て.

    The nearest tenth (half-up) is named; 弱 when the share is below it, 強 when above. Below 0.05 it is
    1割未満, from 0.95 (but not all) ほぼ全て.
    """
    if share < 0 or share > 1:
        raise ValueError("share must lie between 0 and 1")
    if share == 0:
        return "なし"
    if share == 1:
        return "全て"
    tenths = int(_half_up(share * 10, 0))
    if tenths == 0:
        return "1割未満"
    if tenths == 10:
        return "ほぼ全て"
    exact = Fraction(tenths, 10)
    return f"{tenths}割" + ("弱" if share < exact else "強" if share > exact else "")


def _fraction(value: Decimal | int | float | str) -> Fraction:
    return Fraction(Decimal(str(value)))


def compare(figure: Decimal | int | float | None, base: Decimal | int | float | None,
            kind: BaseKind | str | None) -> Comparison | None:
    """The comparison of a figure with its base, or None when there is nothing to compare (no base, base 0)."""
    if figure is None or base is None or kind is None:
        return None
    kind = BaseKind(kind)
    f, b = _fraction(figure), _fraction(base)
    if b <= 0 or f < 0:
        return None
    ratio = f / b
    if kind is BaseKind.PREVIOUS_YEAR:
        return Comparison(kind, ratio, ratio_text(ratio))
    if ratio > 1:
        return None
    return Comparison(kind, ratio, share_text(ratio))


def figure_sentence(label: str | None, figure: Decimal | None, unit: str | None, base: Decimal | None,
                    kind: BaseKind | str | None) -> str | None:
    """The figure line of a slide: 利用可能な手続件数 1,227件（前年比1.7倍）/ 押印を廃止 5,300件（6,000件のうち9割弱）."""
    if figure is None:
        return None
    head = f"{label} " if label else ""
    text = f"{head}{format_number(figure, unit or '')}"
    c = compare(figure, base, kind)
    if c is None:
        return text
    if c.kind is BaseKind.TOTAL:
        return f"{text}（{format_number(base, unit or '')}のうち{c.text}）"
    return f"{text}（{c.text}、前年{format_number(base, unit or '')}）"


@dataclass(frozen=True)
class InitiativeInput:
    """An initiative as typed on the form (every field text, as the person typed it)."""

    area_code: str | None
    title: str | None
    period_text: str | None = None
    points: tuple[str, ...] = ()
    figure_label: str | None = None
    figure_text: str | None = None
    figure_unit: str | None = None
    base_text: str | None = None
    base_kind: str | None = None
    continued: bool = False


@dataclass(frozen=True)
class InitiativeFields:
    """A checked initiative, ready to store."""

    area_code: str
    title: str
    period_text: str | None
    points: tuple[str, ...]
    figure_label: str | None
    figure_value: Decimal | None
    figure_unit: str | None
    base_value: Decimal | None
    base_kind: BaseKind | None
    continued: bool
    comparison: Comparison | None = field(default=None, compare=False)


def check_input(raw: InitiativeInput, area_codes: set[str] | frozenset[str]) -> tuple[InitiativeFields | None,
                                                                                      list[InputError]]:
    """(fields, []) when the entry can be stored, else (None, every problem as a Japanese InputError)."""
    errors: list[InputError] = []

    def text(value: str | None, name: str, limit: int) -> str | None:
        try:
            return clean_text(value, field=name, max_length=limit)
        except InputError as exc:
            errors.append(exc)
            return None

    area = (raw.area_code or "").strip()
    if area not in area_codes:
        errors.append(InputError("「分野」を一覧から選んでください。", field="分野", text=raw.area_code or ""))
    title = text(raw.title, "取組名", 200)
    if title is None and not any(e.field == "取組名" for e in errors):
        errors.append(InputError("「取組名」を入力してください。", field="取組名", text=""))
    period = text(raw.period_text, "時期", 50)
    points = []
    for i, p in enumerate(raw.points, start=1):
        cleaned = text(p, f"内容{i}", 500)
        if cleaned:
            points.append(cleaned)
    if len(points) > MAX_POINTS:
        errors.append(InputError(f"「内容」は{MAX_POINTS}項目までです（{len(points)}項目あります）。",
                                 field="内容", text=""))
    label = text(raw.figure_label, "数値の説明", 100)
    unit = text(raw.figure_unit, "単位", 10)
    figure = base = None
    try:
        parsed = parse_number(raw.figure_text, unit=unit, field="数値", percent_max=None)
        figure = parsed.value if parsed else None
    except InputError as exc:
        errors.append(exc)
    kind = None
    base_field = "前年の数値" if raw.base_kind != BaseKind.TOTAL.value else "全体の数"
    try:
        parsed = parse_number(raw.base_text, unit=unit, field=base_field, percent_max=None)
        base = parsed.value if parsed else None
    except InputError as exc:
        errors.append(exc)
    if base is not None:
        try:
            kind = BaseKind(raw.base_kind or BaseKind.PREVIOUS_YEAR.value)
        except ValueError:
            errors.append(InputError("「比較の種類」を一覧から選んでください。", field="比較の種類",
                                     text=raw.base_kind or ""))
        if figure is None and not any(e.field == "数値" for e in errors):
            errors.append(InputError(f"「{base_field}」を入れるときは「数値」も入力してください。", field="数値", text=""))
        if base == 0:
            errors.append(InputError(f"「{base_field}」が0では比較できません。空欄にするか0より大きい数を入力してください。",
                                     field=base_field, text=raw.base_text or ""))
        elif kind is BaseKind.TOTAL and figure is not None and figure > base:
            errors.append(InputError(
                f"「数値」（{format_number(figure, unit or '')}）が「全体の数」（{format_number(base, unit or '')}）"
                "を超えています。", field="数値", text=raw.figure_text or ""))
    if errors:
        return None, errors
    fields = InitiativeFields(area, title, period, tuple(points), label, figure, unit, base, kind, bool(raw.continued))
    return InitiativeFields(**{**fields.__dict__, "comparison": compare(figure, base, kind)}), []


class PhotoRefused(ValueError):
    """A photo that cannot be stored; str() is a Japanese sentence."""


def photo_mime(name: str, content: bytes) -> str:
    """image/png or image/jpeg judged by the content (not the file name), within the size limit."""
    if len(content) > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"写真「{name}」は{MAX_PHOTO_BYTES // (1024 * 1024)}MB以内にしてください"
                           f"（{len(content) / (1024 * 1024):.1f}MBあります）。")
    if content.startswith(PNG_MAGIC):
        return "image/png"
    if content.startswith(JPEG_MAGIC):
        return "image/jpeg"
    raise PhotoRefused(f"写真「{name}」はPNGまたはJPEGの画像ではありません（ファイルの中身で判定しています）。")
