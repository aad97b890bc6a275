"""A synthetic national-scale warehouse: every Japanese local government's strategy indicators over ten years.

`build_scale_demo` creates a fresh warehouse file (migrations first) holding one strategy whose departments are
the 1,788 local governments (47 prefectures and 1,741 municipalities, with generated names and codes), each
with the same catalogue of indicators, over `cycles` fiscal years ending FY2025: about 1.8 million values.
Past cycles are finalized with almost every value approved; the latest cycle is open with a mix of states
(departments progress at different speeds). Shortfalls carry reasons with categories. Everything is derived
from a seed through DuckDB's hash(), in a handful of INSERT ... SELECT statements (no per-row Python inserts).

Target types follow a realistic mix: mostly numeric higher-is-better with a baseline, some numeric without a
baseline, some lower-is-better, a few 'aim to increase / decrease' and qualitative milestones. Every row is
flagged illustrative. There are no audit rows: the workflow's audit trail is not simulated. The organizations and
the indicator catalogue are in :mod:`kpi.demo.scale_catalogue`.
"""
from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

import warehouse
from kpi.demo.scale_catalogue import (  # noqa: F401  NATIONAL_ORGS and organizations re-exported
    NATIONAL_ORGS, PILLARS, REASON_CATEGORIES, REASONS, catalogue_frame, organizations,
)
from kpi.domain.formatting import fiscal_year_ja
from kpi.services.accounts import hash_password
from warehouse.connection import URL_SCHEMES

LAST_FY = 2025
STRATEGY_CODE = "japan-local-dx"
STOP_SHARE = 0.01  # share of indicators whose progress management was stopped at some point


def is_url(path: Path | str) -> bool:
    """A postgresql:// URL (the PostgreSQL warehouse), not a file."""
    return isinstance(path, str) and path.startswith(URL_SCHEMES)


def _shown(path: Path | str) -> str:
    if is_url(path):
        from warehouse.pg import redacted  # psycopg is an optional extra: imported only for a URL

        return redacted(str(path))
    return str(path)


def _cycles_frame(first_fy: int, last_fy: int) -> pl.DataFrame:
    rows = []
    for fy in range(first_fy, last_fy + 1):
        rows.append({"fiscal_year": fy, "label": fiscal_year_ja(fy), "as_of": f"{fy}-11-30",
                     "as_of_text": f"{fiscal_year_ja(fy)[:-2]}年11月時点", "deadline": f"{fy}-12-16",
                     "state": "open" if fy == last_fy else "finalized",
                     "era": fiscal_year_ja(fy)[0] + fiscal_year_ja(fy)[2:-2]})
    return pl.DataFrame(rows).with_columns(pl.col("as_of").str.to_date(), pl.col("deadline").str.to_date())


_UNIT_DECIMALS = "CASE WHEN {u} IN ('%', '時間', '分', '日') THEN 1 ELSE 0 END"

_INDICATORS_SQL = f"""
INSERT INTO indicators (strategy_id, pillar_no, item_no, code, name, definition, unit, department_code,
    target_type, direction, baseline_value, baseline_fy, baseline_fy_text, target_value, target_text, target_fy,
    data_source, status, stop_reason, stopped_fy, illustrative, sort_order)
WITH base AS (
    SELECT o.code AS org, o.size, t.*, {_UNIT_DECIMALS.format(u="t.unit")} AS dec,
           sd_u(o.code || t.t_code, 'baseline', $seed) AS u1, sd_u(o.code || t.t_code, 'target', $seed) AS u2,
           sd_u(o.code || t.t_code, 'stop', $seed) AS us, sd_u(o.code || t.t_code, 'stop-year', $seed) AS usy
    FROM sd_org o CROSS JOIN sd_tpl t
), b AS (
    SELECT *, CASE
        WHEN kind = 'pct' THEN round(least(95, base * (0.7 + 0.6 * u1)), 1)
        WHEN kind = 'pctl' THEN round(base * (0.7 + 0.6 * u1), 1)
        WHEN kind IN ('hb', 'lb', 'inc', 'dec') THEN round(greatest(5, base * size * (0.6 + 0.8 * u1)), dec)
        END AS b
    FROM base
)
SELECT $sid, pillar, item, org || '-' || t_code, name, name || '（' || org || '、合成データ）', unit, org,
       CASE kind WHEN 'inc' THEN 'increase' WHEN 'dec' THEN 'decrease' WHEN 'qual' THEN 'qualitative'
            ELSE 'numeric' END,
       CASE WHEN kind IN ('lb', 'pctl', 'dec') THEN 'lower' ELSE 'higher' END,
       b, CASE WHEN b IS NOT NULL THEN $first - 1 END, CASE WHEN b IS NOT NULL THEN $base_fy_text END,
       CASE kind
           WHEN 'hb' THEN greatest(b + 1, round(b * (1.2 + 1.3 * u2), dec))
           WHEN 'pct' THEN round(least(100, b + 5 + 25 * u2), 1)
           WHEN 'lb' THEN least(b - 1, round(b * (0.6 + 0.35 * u2), dec))
           WHEN 'pctl' THEN round(b * (0.5 + 0.4 * u2), 1)
           WHEN 'h0' THEN round(greatest(5, base * size * (0.8 + 0.8 * u2)), dec)
           END,
       CASE kind WHEN 'inc' THEN '増加を目指します' WHEN 'dec' THEN '減少を目指します' WHEN 'qual' THEN qual_text END,
       $last, '合成データ（全国自治体の規模検証用）',
       CASE WHEN us < $stop_share THEN 'stopped' ELSE 'active' END,
       CASE WHEN us < $stop_share THEN '指標の見直しにより、本指標による進捗管理を停止した（合成データ）' END,
       CASE WHEN us < $stop_share THEN least($last, $first + 1 + CAST(floor(usy * greatest(1, $n - 1)) AS INTEGER)) END,
       true, t_no
FROM b
ORDER BY org, t_no
"""

_VALUES_SQL = f"""
INSERT INTO indicator_values (indicator_id, cycle_id, value_number, value_text, value_kind, value_label, value_fy,
    qualitative_achieved, reason, reason_category, reason_illustrative, state, version, entered_by, approved_by,
    approved_at, review_comment, updated_at)
WITH x AS (
    SELECT i.indicator_id, i.department_code AS dept, i.target_type AS tt, i.direction,
           CAST(i.baseline_value AS DOUBLE) AS b, CAST(i.target_value AS DOUBLE) AS t,
           {_UNIT_DECIMALS.format(u="i.unit")} AS dec,
           c.cycle_id, c.fiscal_year AS fy, c.state = 'open' AS is_open, e.era,
           least(1.0, 1.25 * (c.fiscal_year - $first + 1) / $n) AS s,
           sd_u(i.code, 'final', $seed) AS uf, sd_u(i.code, 'final2', $seed) AS uf2,
           sd_u(i.code, 'shape', $seed) AS ug,
           sd_u(i.code || c.fiscal_year, 'noise', $seed) AS un,
           0.5 * sd_u(i.code || c.fiscal_year, 'state', $seed)
               + 0.5 * sd_u(i.department_code || c.fiscal_year, 'pace', $seed) AS ust,
           sd_u(i.code || c.fiscal_year, 'kind', $seed) AS uk,
           sd_u(i.code || c.fiscal_year, 'category', $seed) AS urc,
           sd_u(i.code || c.fiscal_year, 'reason', $seed) AS urt
    FROM indicators i
    JOIN cycles c ON c.strategy_id = i.strategy_id
    JOIN sd_era e ON e.fiscal_year = c.fiscal_year
    WHERE i.strategy_id = $sid AND NOT (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year)
), r AS (
    SELECT *,
           CASE WHEN uf < 0.55 THEN 1.0 + 0.6 * uf2 WHEN uf < 0.75 THEN 0.6 + 0.4 * uf2
                WHEN uf < 0.87 THEN 0.3 + 0.3 * uf2 ELSE -0.3 + 0.6 * uf2 END
               * pow(s, 0.6 + 0.8 * ug) + (un - 0.5) * 0.16 AS rate,
           CASE WHEN is_open THEN
                CASE WHEN ust < 0.30 THEN 'none' WHEN ust < 0.48 THEN 'draft' WHEN ust < 0.70 THEN 'submitted'
                     WHEN ust < 0.76 THEN 'returned' ELSE 'approved' END
           ELSE CASE WHEN ust < 0.004 THEN 'none' WHEN ust < 0.007 THEN 'draft' WHEN ust < 0.010 THEN 'submitted'
                     WHEN ust < 0.012 THEN 'returned' ELSE 'approved' END
           END AS st
    FROM x
), v AS (
    SELECT *, round(CASE
               WHEN tt = 'numeric' AND direction = 'higher' AND b IS NOT NULL THEN b + rate * (t - b)
               WHEN tt = 'numeric' AND direction = 'higher' THEN greatest(0, rate * t)
               WHEN tt = 'numeric' THEN greatest(0, b - rate * (b - t))
               WHEN tt = 'increase' THEN b * (1 + (rate - 0.9) * 0.2)
               WHEN tt = 'decrease' THEN b * (1 - (rate - 0.9) * 0.2)
           END, dec) AS val
    FROM r WHERE st <> 'none'
), a AS (
    SELECT *, CASE
               WHEN tt = 'qualitative' THEN rate >= 1
               WHEN tt = 'increase' THEN val > b
               WHEN tt = 'decrease' THEN val < b
               WHEN direction = 'higher' THEN val >= t
               ELSE val <= t
           END AS met,
           CASE WHEN fy BETWEEN 2020 AND 2022 AND urc < 0.35 THEN 'covid'
                WHEN (CASE WHEN fy BETWEEN 2020 AND 2022 THEN (urc - 0.35) / 0.65 ELSE urc END) < 0.12 THEN 'system'
                WHEN (CASE WHEN fy BETWEEN 2020 AND 2022 THEN (urc - 0.35) / 0.65 ELSE urc END) < 0.30 THEN 'stats'
                ELSE 'other' END AS cat,
           CASE WHEN st = 'approved' THEN make_timestamp(fy, 12, 17, 9, 0, 0.0) + to_days(CAST(floor(uk * 40) AS INTEGER))
           END AS approved_time
    FROM v
)
SELECT indicator_id, cycle_id, CAST(val AS DECIMAL(18, 4)),
       CASE WHEN tt = 'qualitative' THEN CASE WHEN met THEN '整備済' ELSE '未整備' END END,
       CASE WHEN uk < CASE WHEN is_open THEN 0.6 ELSE 0.15 END THEN 'projection' ELSE 'actual' END,
       era || '年度' || CASE WHEN uk < CASE WHEN is_open THEN 0.6 ELSE 0.15 END THEN '末見込値' ELSE '実績値' END,
       fy,
       CASE WHEN tt = 'qualitative' THEN met END,
       CASE WHEN NOT met AND NOT (st = 'draft' AND urt < 0.3) THEN CASE cat
            WHEN 'covid' THEN list_extract($r_covid, 1 + CAST(floor(urt * len($r_covid)) AS INTEGER))
            WHEN 'system' THEN list_extract($r_system, 1 + CAST(floor(urt * len($r_system)) AS INTEGER))
            WHEN 'stats' THEN list_extract($r_stats, 1 + CAST(floor(urt * len($r_stats)) AS INTEGER))
            ELSE list_extract($r_other, 1 + CAST(floor(urt * len($r_other)) AS INTEGER)) END
       END,
       CASE WHEN NOT met AND NOT (st = 'draft' AND urt < 0.3) THEN cat END,
       true, st,
       CASE st WHEN 'draft' THEN 1 WHEN 'submitted' THEN 2 ELSE 3 END,
       'editor-' || dept,
       CASE WHEN st = 'approved' THEN 'reviewer' END,
       approved_time,
       CASE WHEN st = 'returned' THEN '根拠資料と値が一致していません。確認のうえ再提出してください（合成データ）' END,
       coalesce(approved_time, make_timestamp(fy, 12, 1, 9, 0, 0.0) + to_days(CAST(floor(uk * 14) AS INTEGER)))
FROM a
ORDER BY cycle_id, indicator_id
"""


def build_scale_demo(path: Path | str, *, orgs: int = NATIONAL_ORGS, indicators: int = 100, cycles: int = 10,
                     seed: int = 0, last_fy: int = LAST_FY, overwrite: bool = False) -> dict[str, Any]:
    """Build the synthetic national warehouse in a new file at `path`; return what was built and how long it took.

    Refuses an existing file unless overwrite=True (then the file and its write-ahead log are replaced).
    Accounts: admin / reviewer / executive with the demo's passwords (admin-pass, reviewer-pass,
    executive-pass), and one editor per organization (editor-<code>) whose password nobody knows.

    `path` may be a postgresql:// URL of an empty database: the warehouse is built in a temporary DuckDB file (the
    builder's statements are DuckDB's: hash(), list_extract …) and copied in with `kpi export-warehouse`'s
    transfer, verified row for row, so both backends hold the same rows for the same seed.
    """
    if indicators < 1 or cycles < 1:
        raise ValueError("指標数とサイクル数は1以上を指定してください")
    if is_url(path):
        return _build_into_postgresql(str(path), orgs=orgs, indicators=indicators, cycles=cycles, seed=seed,
                                      last_fy=last_fy, overwrite=overwrite)
    started = time.perf_counter()
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise FileExistsError(f"{path} は既に存在します。新しいファイルを指定してください")
        path.unlink()
        Path(str(path) + ".wal").unlink(missing_ok=True)
    first_fy = last_fy - cycles + 1
    org_df = organizations(orgs, seed)
    tpl_df = catalogue_frame(indicators)
    cyc_df = _cycles_frame(first_fy, last_fy)
    accounts = [("admin", "システム管理者", hash_password("admin-pass"), "admin"),
                ("reviewer", "審査担当（全国集計）", hash_password("reviewer-pass"), "reviewer"),
                ("executive", "幹部（全国集計）", hash_password("executive-pass"), "executive")]
    locked = hash_password(secrets.token_urlsafe(24))
    warehouse.init_db(path)
    params = {"seed": seed, "first": first_fy, "last": last_fy, "n": cycles}
    with warehouse.transaction(path) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("CREATE OR REPLACE TEMP MACRO sd_u(k, salt, seed) AS ((hash(k, salt, seed) % 1000003) / 1000003.0)")
        con.register("sd_org_src", org_df)
        con.register("sd_tpl_src", tpl_df)
        con.register("sd_cycle_src", cyc_df)
        con.execute("CREATE TEMP TABLE sd_org AS SELECT * FROM sd_org_src")
        con.execute("CREATE TEMP TABLE sd_tpl AS SELECT * FROM sd_tpl_src")
        con.execute("CREATE TEMP TABLE sd_era AS SELECT fiscal_year, era FROM sd_cycle_src")
        sid = con.execute(
            "INSERT INTO strategies (code, version, name, established_text, publisher, valid_from_fy)"
            " VALUES (?, 1, ?, ?, ?, ?) RETURNING strategy_id",
            [STRATEGY_CODE, "全国自治体DX推進指標（合成データ）", f"{fiscal_year_ja(first_fy)}策定（合成データ）",
             "合成データ（規模検証用）", first_fy]).fetchone()[0]
        con.executemany("INSERT INTO pillars VALUES (?, ?, ?)", [[sid, no, name] for no, name, _ in PILLARS])
        con.executemany("INSERT INTO items VALUES (?, ?, ?, ?)",
                        [[sid, no, k, item] for no, _, items in PILLARS for k, item in enumerate(items, start=1)])
        con.executemany("INSERT INTO reason_categories VALUES (?, ?, ?)", [list(r) for r in REASON_CATEGORIES])
        con.execute("INSERT INTO departments (department_code, name, illustrative) SELECT code, name, true FROM sd_org"
                    " ORDER BY code")
        con.execute("INSERT INTO cycles (strategy_id, fiscal_year, label, as_of, as_of_text, deadline, state,"
                    " illustrative) SELECT ?, fiscal_year, label, as_of, as_of_text, deadline, state, true"
                    " FROM sd_cycle_src ORDER BY fiscal_year", [sid])
        con.executemany("INSERT INTO users (login, display_name, password_hash) VALUES (?, ?, ?)",
                        [list(a[:3]) for a in accounts])
        con.executemany("INSERT INTO user_roles VALUES (?, ?)", [[a[0], a[3]] for a in accounts])
        con.execute("INSERT INTO users (login, display_name, password_hash, active)"
                    " SELECT 'editor-' || code, name || ' 入力担当', ?, true FROM sd_org", [locked])
        con.execute("INSERT INTO user_roles SELECT 'editor-' || code, 'editor' FROM sd_org")
        con.execute("INSERT INTO user_departments SELECT 'editor-' || code, code FROM sd_org")
        con.execute(_INDICATORS_SQL, {**params, "sid": sid, "stop_share": STOP_SHARE,
                                      "base_fy_text": fiscal_year_ja(first_fy - 1)})
        con.execute(_VALUES_SQL, {"seed": seed, "first": first_fy, "n": cycles, "sid": sid, "r_covid": REASONS["covid"], "r_system": REASONS["system"],
                                  "r_stats": REASONS["stats"], "r_other": REASONS["other"]})
        for name in ("sd_org_src", "sd_tpl_src", "sd_cycle_src"):
            con.unregister(name)
    seconds = time.perf_counter() - started
    return {**describe(path), "seconds": round(seconds, 1)}


def _build_into_postgresql(url: str, *, overwrite: bool, **sizes) -> dict[str, Any]:
    from warehouse.transfer import TransferRefused, transfer

    if overwrite:
        raise ValueError("PostgreSQL のデータベースは置き換えません（--overwrite は DuckDB のファイルだけ）。"
                         "createdb で作った空のデータベースを指定してください")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kpi-scale-") as folder:
        built = build_scale_demo(Path(folder) / "scale.duckdb", **sizes)
        try:
            transfer(Path(folder) / "scale.duckdb", url)
        except TransferRefused as exc:
            raise ValueError(str(exc)) from None
    return {**describe(url), "built_s": built["seconds"], "seconds": round(time.perf_counter() - started, 1)}


def describe(path: Path | str) -> dict[str, Any]:
    """Counts of a (scale demo) warehouse, for the command line to print (a URL without its password)."""
    path = path if is_url(path) else Path(path)
    with warehouse.connect(path) as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731 (constant statements)
        cycles = con.execute("SELECT fiscal_year, state FROM cycles ORDER BY fiscal_year").fetchall()
        states = dict(con.execute("SELECT state, count(*) FROM indicator_values GROUP BY 1 ORDER BY 1").fetchall())
        reasons = dict(con.execute("SELECT coalesce(reason_category, '(なし)'), count(*) FROM indicator_values"
                                   " WHERE reason IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall())
        out = {
            "path": _shown(path),
            "organizations": one("SELECT count(*) FROM departments"),
            "prefectures": one("SELECT count(*) FROM departments WHERE substr(department_code, 3, 3) = '000'"),
            "municipalities": one("SELECT count(*) FROM departments WHERE substr(department_code, 3, 3) <> '000'"),
            "indicators": one("SELECT count(*) FROM indicators"),
            "stopped_indicators": one("SELECT count(*) FROM indicators WHERE status = 'stopped'"),
            "cycles": len(cycles),
            "fiscal_years": [fy for fy, _ in cycles],
            "open_cycles": [fy for fy, st in cycles if st == "open"],
            "values": one("SELECT count(*) FROM indicator_values"),
            "values_by_state": states,
            "reasons_by_category": reasons,
            "users": one("SELECT count(*) FROM users"),
        }
        if is_url(path):
            out["size_bytes"] = one("SELECT pg_database_size(current_database())")
            return out
    wal = Path(str(path) + ".wal")
    out["size_bytes"] = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return out
