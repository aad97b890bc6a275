-- The audit trail becomes a hash chain: each row keeps the hash of the row before it (in audit_id order) and its
-- own, SHA-256 over that and the row's columns (warehouse/audit.py computes both; it is the only writer).
-- Rows written before this migration are chained right after it by the migration runner (warehouse.audit.seal).
ALTER TABLE audit_log ADD COLUMN prev_hash VARCHAR;
ALTER TABLE audit_log ADD COLUMN row_hash VARCHAR;
