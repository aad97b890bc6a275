-- What an intake batch left as stored, and why (JSON: {"skipped": {"承認済": 5, ...}}): an uploaded workbook's rows
-- that are unchanged since the download (approved, submitted, stopped, drafts) are reported, not saved again.
ALTER TABLE intake_batches ADD COLUMN outcome VARCHAR;

-- A draft is work in progress: a figure may be saved before its kind (実績値／見込値) is chosen. Submitting still
-- requires it (kpi/services/workflow.py).
ALTER TABLE indicator_values ALTER COLUMN value_kind DROP NOT NULL;
