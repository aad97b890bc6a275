-- Initiatives (主な取組) entered by departments per cycle, the strategy outline (戦略の概要) as master data of a
-- strategy version, the reviewer's conclusions of a cycle (戦略の見直しへ), and what an edition froze of them.
-- No FOREIGN KEY clauses (see 001): the repository in warehouse/initiatives.py keeps the references.

-- Areas of the 主な取組 pages (master data): 県庁 職員の意識醸成, 業務の効率化, 市町村との連携, …
CREATE TABLE initiative_areas (
    area_code  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    scope      VARCHAR,                    -- 県庁 for the prefecture's own work, NULL otherwise
    sort_order INTEGER NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT true
);

CREATE SEQUENCE seq_initiative START 1;
CREATE TABLE initiatives (
    initiative_id   INTEGER PRIMARY KEY DEFAULT nextval('seq_initiative'),
    cycle_id        INTEGER NOT NULL,
    department_code VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    title           VARCHAR NOT NULL,
    period_text     VARCHAR,               -- 6月, 10月～, 令和4年4月より
    points_json     VARCHAR NOT NULL DEFAULT '[]',  -- sub-points, as typed, one string each
    figure_label    VARCHAR,               -- 電子申請システムにおいて利用可能な手続件数
    figure_value    DECIMAL(18, 4),
    figure_unit     VARCHAR,               -- 件
    base_value      DECIMAL(18, 4),        -- last year's figure (前年比) or the whole the figure is part of (割合)
    base_kind       VARCHAR CHECK (base_kind IS NULL OR base_kind IN ('previous_year', 'total')),
    continued       BOOLEAN NOT NULL DEFAULT false,  -- ※継続取組
    sort_order      INTEGER NOT NULL DEFAULT 0,
    state           VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
    version         INTEGER NOT NULL DEFAULT 1,
    entered_by      VARCHAR NOT NULL,
    approved_by     VARCHAR,
    approved_at     TIMESTAMP,
    review_comment  VARCHAR,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (base_value IS NULL OR figure_value IS NOT NULL),
    CHECK ((base_value IS NULL) = (base_kind IS NULL))
);

CREATE SEQUENCE seq_initiative_photo START 1;
CREATE TABLE initiative_photos (
    photo_id      INTEGER PRIMARY KEY DEFAULT nextval('seq_initiative_photo'),
    initiative_id INTEGER NOT NULL,
    caption       VARCHAR,
    mime          VARCHAR NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
    content       BLOB NOT NULL,
    sha256        VARCHAR NOT NULL,
    width         INTEGER,
    height        INTEGER,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    uploaded_by   VARCHAR NOT NULL,
    uploaded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- The outline of a strategy version (one row per version): purpose, period, vision, players, the pillars'
-- one-line roles (pillars and items themselves live in pillars/items), the promotion bodies.
CREATE TABLE strategy_outlines (
    strategy_id       INTEGER PRIMARY KEY,
    purpose           VARCHAR,
    period_text       VARCHAR,
    vision            VARCHAR,
    approach          VARCHAR,             -- 実現に向けた県の取組
    players_json      VARCHAR NOT NULL DEFAULT '[]',
    pillar_notes_json VARCHAR NOT NULL DEFAULT '{}',  -- {"1": "県が早期にプロジェクト化して実践", …}
    bodies_json       VARCHAR NOT NULL DEFAULT '[]',
    version           INTEGER NOT NULL DEFAULT 1,
    updated_by        VARCHAR NOT NULL,
    updated_at        TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- The reviewer's conclusions of a cycle: findings under headings and the direction for the next strategy.
CREATE TABLE cycle_conclusions (
    cycle_id      INTEGER PRIMARY KEY,
    title         VARCHAR,                 -- 戦略の見直しへ
    lead          VARCHAR,                 -- 戦略の進捗状況を踏まえて
    findings_json VARCHAR NOT NULL DEFAULT '[]',  -- [{"heading": …, "points": […]}, …]
    direction     VARCHAR,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_by    VARCHAR NOT NULL,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- What an edition published besides the figures: approved initiatives (with photos), outline, conclusions.
CREATE TABLE edition_narratives (
    edition_id     INTEGER PRIMARY KEY,
    narrative_json VARCHAR NOT NULL
);
