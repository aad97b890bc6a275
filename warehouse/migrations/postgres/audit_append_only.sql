-- PostgreSQL only (applied after the migrations, idempotent): the audit trail is append-only in the database
-- itself. UPDATE, DELETE and TRUNCATE of audit_log are refused by a trigger, whoever connects; the one exception
-- is the migration runner sealing rows written before the hash chain existed (warehouse.audit.seal): a row whose
-- hashes are still NULL may receive them, and nothing else of it may change.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.row_hash IS NULL AND OLD.prev_hash IS NULL
           AND (to_jsonb(NEW) - 'prev_hash' - 'row_hash') = (to_jsonb(OLD) - 'prev_hash' - 'row_hash') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '監査ログは追記のみです。既存の記録を変更・削除することはできません。'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The warehouse change counter (warehouse/change_counter.py): moved once by every transaction that writes audit
-- rows (every write of the application is audited) or changes a table the reporting reads use (so a write made
-- outside the application, an UPDATE through psql, moves it too), at its COMMIT — deferred constraint triggers, so
-- the one counter row is locked only from the commit's start to its end, not for the whole transaction — and read
-- by the caches as their key. Committed in commit order (the row lock), so a reader that sees n sees every write
-- counted up to n. `users` is left out (logins write it; its names change only through audited writes). In a
-- schema of its own: `kpi export-warehouse` copies the tables of the warehouse's schema, and this is not one.
CREATE SCHEMA IF NOT EXISTS kpi_meta;
CREATE TABLE IF NOT EXISTS kpi_meta.changes (n BIGINT NOT NULL);
INSERT INTO kpi_meta.changes (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM kpi_meta.changes);

-- And per table the counter's value at the last transaction that wrote it (`kpi_meta.table_changes`): the read
-- snapshots (warehouse/pg_reads.py) read again only the tables whose mark moved, not all of them after any write.
CREATE TABLE IF NOT EXISTS kpi_meta.table_changes (name TEXT PRIMARY KEY, n BIGINT NOT NULL);

CREATE OR REPLACE FUNCTION kpi_meta.count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpi.change_counted', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE kpi_meta.changes SET n = n + 1;
        PERFORM set_config('kpi.change_counted', txid_current()::text, true);
    END IF;
    IF TG_TABLE_NAME <> 'audit_log'
       AND current_setting('kpi.marked_' || TG_TABLE_NAME, true) IS DISTINCT FROM txid_current()::text THEN
        INSERT INTO kpi_meta.table_changes (name, n) SELECT TG_TABLE_NAME, max(n) FROM kpi_meta.changes
            ON CONFLICT (name) DO UPDATE SET n = EXCLUDED.n;
        PERFORM set_config('kpi.marked_' || TG_TABLE_NAME, txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS audit_log_counts_changes ON audit_log;
CREATE CONSTRAINT TRIGGER audit_log_counts_changes AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kpi_meta.count_change();

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['cycles', 'strategies', 'indicators', 'pillars', 'items', 'departments',
                             'reason_categories', 'indicator_revisions', 'indicator_values', 'value_parts',
                             'indicator_targets', 'relative_reference_values', 'indicator_parts',
                             'indicator_milestones', 'report_sections'] LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format('DROP TRIGGER IF EXISTS kpi_counts_changes ON %I', t);
            EXECUTE format('CREATE CONSTRAINT TRIGGER kpi_counts_changes AFTER INSERT OR UPDATE OR DELETE ON %I'
                           ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kpi_meta.count_change()', t);
        END IF;
    END LOOP;
END
$$;
