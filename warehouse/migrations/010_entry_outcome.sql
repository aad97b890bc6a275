-- What an intake batch left as stored, and why (JSON: {"skipped": {"承認済": 5, ...}}): an uploaded workbook's rows
-- that are unchanged since the download (approved, submitted, stopped, drafts) are reported, not saved again.
ALTER TABLE intake_batches ADD COLUMN outcome VARCHAR;
