-- Report sections kept with the strategy's master data: which pillars one section of the published report
-- groups (the seed prints pillars 2 and 3 together as （2）個別施策・推進を支える土台づくり). A strategy without rows
-- here reports one section per pillar. Deck, PDF, workbook and dashboard all read this one table.
CREATE TABLE report_sections (
    strategy_id INTEGER NOT NULL,
    section_no  INTEGER NOT NULL,
    pillar_no   INTEGER NOT NULL,
    PRIMARY KEY (strategy_id, pillar_no)
);

-- The kind of an edition: a 公表版 ('final', only from a closed or finalized cycle) or a 速報（中間）版 ('interim',
-- from an open cycle), with the coverage it was made on (承認済 n / 全 m 指標) and the sections it printed.
ALTER TABLE editions ADD COLUMN kind VARCHAR DEFAULT 'final';
ALTER TABLE editions ADD COLUMN approved_count INTEGER;
ALTER TABLE editions ADD COLUMN indicator_count INTEGER;
ALTER TABLE editions ADD COLUMN sections_json VARCHAR;
