"""Open-data files of a published cycle: indicators.csv/.json, summary.csv, initiatives.csv/.json (the approved
主な取組, when the report has its narrative) and metadata.json (CC BY 4.0).

CSV files are UTF-8 with BOM through `kpi.io.export.csv_bytes`, which neutralizes any cell a spreadsheet would
read as a formula; the JSON keeps the text exactly as approved (JSON is never evaluated) and numbers as numbers.
Column names are stable ASCII identifiers; metadata.json gives each one a Japanese and an English title.
"""
from __future__ import annotations

import json
from decimal import Decimal

from kpi.domain.bands import BAND_ORDER
from kpi.io.export import csv_bytes
from kpi.publish.report_data import ReportData
from kpi.publish.workbook_report import summary_rows

LICENSE = {"name": "CC BY 4.0", "title_ja": "クリエイティブ・コモンズ 表示 4.0 国際",
           "url": "https://creativecommons.org/licenses/by/4.0/deed.ja"}

# name, type, Japanese title, English title, getter
INDICATOR_FIELDS: tuple[tuple[str, str, str, str, object], ...] = (
    ("fiscal_year", "integer", "年度（西暦）", "Fiscal year (April–March)", None),
    ("cycle_label", "string", "年度（和暦）", "Fiscal year (Japanese era)", None),
    ("code", "string", "指標コード", "Indicator code", lambda ln: ln.code),
    ("pillar_no", "integer", "柱番号", "Pillar number", lambda ln: ln.pillar_no),
    ("pillar_name", "string", "柱", "Pillar", lambda ln: ln.pillar_name),
    ("item_no", "integer", "項目番号", "Item number within the pillar", lambda ln: ln.item_no),
    ("item_name", "string", "項目", "Item", lambda ln: ln.item_name),
    ("name", "string", "指標名", "Indicator name", lambda ln: ln.name),
    ("unit", "string", "単位", "Unit", lambda ln: ln.unit),
    ("department", "string", "担当課", "Owning department", lambda ln: ln.department),
    ("target_type", "string", "目標の種類", "Target type (numeric, increase, decrease, qualitative, composite)",
     lambda ln: ln.target_type),
    ("direction", "string", "望ましい方向", "Better direction (higher or lower)", lambda ln: ln.direction),
    ("baseline_value", "number", "基準値（数値）", "Baseline value", lambda ln: ln.baseline_value),
    ("baseline_text", "string", "基準値（表示）", "Baseline as printed", lambda ln: ln.baseline_text),
    ("baseline_fy", "integer", "基準年度", "Fiscal year of the baseline", lambda ln: ln.baseline_fy),
    ("target_value", "number", "目標値（数値）", "Target value", lambda ln: ln.target_value),
    ("target_text", "string", "目標値（表示）", "Target as printed", lambda ln: ln.target_text),
    ("target_fy", "integer", "目標年度", "Fiscal year of the target", lambda ln: ln.target_fy),
    ("value", "number", "実績値・見込値（数値）", "Actual or projected value", lambda ln: ln.value_number),
    ("value_text", "string", "実績値・見込値（表示）", "Value as printed", lambda ln: ln.value_text),
    ("value_kind", "string", "値の区分（actual=実績値, projection=見込値）",
     "Kind of value (actual or year-end projection)", lambda ln: ln.value_kind),
    ("value_label", "string", "値の名称", "Label of the value as printed", lambda ln: ln.value_label),
    ("period", "string", "時点・期間", "Point in time or period the value covers", lambda ln: ln.period),
    ("rate_percent", "number", "達成率（%、小数第1位未満切捨て）", "Achievement rate in percent (rounded down to 0.1)",
     lambda ln: ln.rate_percent),
    ("band", "string", "達成区分コード", "Achievement band code", lambda ln: ln.band.value if ln.band else None),
    ("band_ja", "string", "達成区分", "Achievement band (Japanese label)", lambda ln: ln.band_ja),
    ("reason_category", "string", "要因区分コード", "Reason category code", lambda ln: ln.reason_category),
    ("reason_category_name", "string", "要因区分", "Reason category", lambda ln: ln.reason_category_name),
    ("reason", "string", "未達成の要因", "Reason for the shortfall", lambda ln: ln.reason),
    ("progress_stopped", "boolean", "進捗管理の停止", "Progress management stopped", lambda ln: ln.stopped),
    ("stop_reason", "string", "停止の理由", "Reason progress management was stopped", lambda ln: ln.stop_reason),
)

SUMMARY_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("fiscal_year", "integer", "年度（西暦）", "Fiscal year"),
    ("scope", "string", "範囲", "Scope (all, or a pillar)"),
    ("total", "integer", "指標数", "Number of indicators placed in a band"),
    *((f"count_{b.value}", "integer", f"{b.label_ja}（件数）", f"Count: {b.value}") for b in BAND_ORDER),
    *((f"percent_{b.value}", "number", f"{b.label_ja}（割合%、小数第1位四捨五入）", f"Share in percent: {b.value}")
      for b in BAND_ORDER),
    ("unrated", "integer", "達成率を算出できない指標数", "Indicators without a computable rate"),
    ("undecidable", "integer", "判定不能（比較する値が未入力）の指標数",
     "Indicators with a relative target whose reference value is not entered yet"),
)


INITIATIVE_FIELDS: tuple[tuple[str, str, str, str, object], ...] = (
    ("fiscal_year", "integer", "年度（西暦）", "Fiscal year (April–March)", None),
    ("area_code", "string", "分野コード", "Area code", lambda i: i.area_code),
    ("area", "string", "分野", "Area", lambda i: i.area_label),
    ("title", "string", "取組名", "Initiative", lambda i: i.title),
    ("period", "string", "時期", "Month or period", lambda i: i.period),
    ("details", "string", "内容（改行区切り）", "Details, one per line", lambda i: "\n".join(i.points)),
    ("figure_label", "string", "数値の説明", "What the figure counts", lambda i: i.figure_label),
    ("figure", "number", "数値", "Figure", lambda i: i.figure_value),
    ("unit", "string", "単位", "Unit", lambda i: i.figure_unit),
    ("base_kind", "string", "比較の基準（previous_year=前年, total=全体）",
     "What the figure is compared with (previous_year or total)", lambda i: i.base_kind),
    ("base", "number", "基準の数値", "Previous year's figure or the whole", lambda i: i.base_value),
    ("comparison", "string", "比較（前年比・割合、自動計算）", "Computed comparison (ratio or share)",
     lambda i: i.comparison),
    ("continued", "boolean", "継続取組", "Continued from the previous year", lambda i: i.continued),
    ("department", "string", "担当課", "Department", lambda i: i.department),
)


def initiative_records(data: ReportData) -> list[dict]:
    """One record per approved initiative, keys in INITIATIVE_FIELDS order ([] for a figures-only report)."""
    if data.narrative is None:
        return []
    out = []
    for item in data.narrative.initiatives:
        rec = {}
        for name, kind, _ja, _en, get in INITIATIVE_FIELDS:
            v = _plain(data.fiscal_year if get is None else get(item))
            rec[name] = None if kind == "string" and v == "" else v
        out.append(rec)
    return out


def _plain(v):
    """Decimal → int when integral, else float; text and other values pass unchanged ("" for None text)."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def indicator_records(data: ReportData) -> list[dict]:
    """One record per indicator, keys in INDICATOR_FIELDS order, numbers as numbers, missing as None."""
    out = []
    for ln in data.lines:
        rec = {}
        for name, kind, _ja, _en, get in INDICATOR_FIELDS:
            if name == "fiscal_year":
                v = data.fiscal_year
            elif name == "cycle_label":
                v = data.cycle_label
            else:
                v = get(ln)
            v = _plain(v)
            rec[name] = None if kind == "string" and v in ("", "—") else v
        out.append(rec)
    return out


def summary_records(data: ReportData) -> list[dict]:
    """One record per scope of the band table (the same BandSummary objects as every other output)."""
    out = []
    for label, s in summary_rows(data):
        rec = {"fiscal_year": data.fiscal_year, "scope": label, "total": s.total}
        rec.update({f"count_{b.value}": s.counts[b] for b in BAND_ORDER})
        rec.update({f"percent_{b.value}": float(s.percent[b]) for b in BAND_ORDER})
        rec["unrated"] = s.unrated
        rec["undecidable"] = s.undecidable
        out.append(rec)
    return out


def _columns(fields) -> list[dict]:
    return [{"name": f[0], "type": f[1], "title_ja": f[2], "title_en": f[3]} for f in fields]


def metadata(data: ReportData) -> dict:
    """metadata.json: title, publisher, licence, cycle, edition, time and every column's definition."""
    return {
        "title": data.title,
        "publisher": data.publisher,
        "license": LICENSE,
        "attribution_ja": f"出典：{data.publisher}「{data.title}」（{data.edition_label}）",
        "strategy": data.strategy_name,
        "cycle": data.cycle_label,
        "fiscal_year": data.fiscal_year,
        "as_of": data.as_of_text,
        "edition": data.edition,
        "edition_kind": data.kind,
        "edition_label": data.edition_label,
        "interim": data.interim,
        "interim_notice_ja": data.interim_mark or None,
        "coverage": None if data.coverage is None else {
            "approved": data.coverage.approved, "total": data.coverage.total, "text_ja": data.coverage.text,
            "pillars": [{"pillar_no": p.no, "pillar_name": p.name, "approved": p.approved, "total": p.total}
                        for p in data.coverage.pillars]},
        "sections": [{"section_no": s.number, "heading": s.heading, "pillars": [p.no for p in s.pillars]}
                     for s in data.sections],
        "generated_at": data.generated_at.isoformat(timespec="seconds"),
        "time_zone": "Asia/Tokyo",
        "basis": "承認済みの値のみ（approved values only）",
        "encoding": {"csv": "UTF-8 with BOM", "json": "UTF-8"},
        "files": {
            "indicators.csv": {"description_ja": "指標ごとの目標値・実績値・達成率・達成区分・要因",
                               "columns": _columns(INDICATOR_FIELDS)},
            "indicators.json": {"description_ja": "indicators.csv と同じレコード（数値は数値型、式の無害化なし）",
                                "columns": _columns(INDICATOR_FIELDS)},
            "summary.csv": {"description_ja": "達成区分別の指標数と割合（全体・柱別）",
                            "columns": _columns(SUMMARY_FIELDS)},
            **({"initiatives.csv": {"description_ja": "承認済みの主な取組（分野別、数値と前年比・割合は自動計算）",
                                    "columns": _columns(INITIATIVE_FIELDS)},
                "initiatives.json": {"description_ja": "initiatives.csv と同じレコード（数値は数値型、式の無害化なし）",
                                     "columns": _columns(INITIATIVE_FIELDS)}} if data.narrative is not None else {}),
        },
        "notes_ja": [
            "CSV では =, +, -, @ で始まる文字列の先頭にアポストロフィ（'）を付けています（表計算ソフトで式として実行されないため）。",
            "達成率：高いほど良い数値目標は基準値がある場合 (実績値−基準値)/(目標値−基準値)、ない場合 実績値/目標値。"
            "低いほど良い数値目標は (基準値−実績値)/(基準値−目標値)、基準値がない場合 目標値/実績値。"
            "「増加（減少）を目指します」は基準値を上回れば（下回れば）達成、定性的な目標は達成または0、"
            "複数の要素からなる目標は最も低い要素の達成率です。",
            "割合は各区分の指標数÷指標数×100 を小数第1位に四捨五入したものです。",
        ],
    }


def _json(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_open_data(data: ReportData) -> dict[str, bytes]:
    """{"indicators.csv", "indicators.json", "summary.csv", "metadata.json"} → file bytes."""
    records = indicator_records(data)
    files = {
        "indicators.csv": csv_bytes(records),
        "indicators.json": _json(records),
        "summary.csv": csv_bytes(summary_records(data)),
        "metadata.json": _json(metadata(data)),
    }
    if data.narrative is not None:
        initiatives = initiative_records(data)
        files["initiatives.csv"] = csv_bytes(initiatives) if initiatives else _empty_csv(INITIATIVE_FIELDS)
        files["initiatives.json"] = _json(initiatives)
    return files


def _empty_csv(fields) -> bytes:
    """A CSV with only the header row (UTF-8 with BOM)."""
    return ("\ufeff" + ",".join(f[0] for f in fields) + "\r\n").encode("utf-8")
