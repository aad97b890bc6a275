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
