-- How each indicator's target is compared and the periods as the plan printed them (issue #17), beside the
-- indicators table (whose target_type CHECK cannot change in DuckDB without rebuilding the referenced table):
--   comparison          ge 以上 / gt 超 / le 以下 / lt 未満 (NULL: inclusive by direction); exactly on a strict
--                       target is not achieved;
--   relative_reference  全国平均, 県平均 … for a relative target (全国平均を上回る). Such an indicator is stored with
--                       target_type 'numeric' and no target_value; the domain judges it as 'relative' against
--                       the cycle's reference value (relative_reference_values), 判定不能 until it is entered;
--   *_period_*          the period kind as printed: fiscal_year (年度), calendar_year (暦年), point (時点),
--                       range (several years; target_aggregate cumulative 累計 / average 平均);
--   note                footnote marks and restatements printed with the figures (「※1」「（併記: …）」).
CREATE TABLE indicator_targets (
    indicator_id          INTEGER PRIMARY KEY,
    comparison            VARCHAR CHECK (comparison IN ('ge', 'gt', 'le', 'lt')),
    relative_reference    VARCHAR,
    target_period_kind    VARCHAR CHECK (target_period_kind IN ('fiscal_year', 'calendar_year', 'point', 'range')),
    target_period_start   INTEGER,
    target_period_end     INTEGER,
    target_aggregate      VARCHAR CHECK (target_aggregate IN ('cumulative', 'average')),
    target_period_text    VARCHAR,
    baseline_period_kind  VARCHAR CHECK (baseline_period_kind IN ('fiscal_year', 'calendar_year', 'point', 'range')),
    baseline_period_text  VARCHAR,
    note                  VARCHAR
);

-- The reference value of a relative target for one cycle (e.g. the year's 全国平均) and where it comes from.
CREATE TABLE relative_reference_values (
    indicator_id     INTEGER NOT NULL,
    cycle_id         INTEGER NOT NULL,
    reference_value  DECIMAL(18, 4) NOT NULL,
    source           VARCHAR NOT NULL,
    entered_by       VARCHAR NOT NULL,
    entered_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (indicator_id, cycle_id)
);

-- 記載の元号: the era a strategy's printed plan uses for years written without one (「（31年度）」). NULL: the
-- importer takes it from the plan's adoption year when given, else asks.
ALTER TABLE strategies ADD COLUMN printed_era VARCHAR;

-- A composite whose parts aim to beat their own baselines (「増加」 for 「就学前児童 64.3% 小学生 60.6%」) has parts
-- without a target value: each part is judged like 増加/減少を目指す (beats its baseline, or not), weakest part.
ALTER TABLE indicator_parts ALTER COLUMN target_value DROP NOT NULL;
