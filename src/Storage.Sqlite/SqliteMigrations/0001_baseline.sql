-- The schema that the stores created in their constructors before SQLite had migrations. IF NOT EXISTS throughout,
-- so a database file from that time is adopted as it is.
CREATE TABLE IF NOT EXISTS doc_updates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS doc_updates_by_doc ON doc_updates(doc_id, seq);
CREATE TABLE IF NOT EXISTS doc_snapshots (
    doc_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS grain_state (
    grain_type TEXT NOT NULL,
    grain_id TEXT NOT NULL,
    etag INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (grain_type, grain_id));

CREATE TABLE IF NOT EXISTS doc_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    authors TEXT NOT NULL,
    reason TEXT NOT NULL,
    state BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS doc_versions_by_doc ON doc_versions(doc_id, id);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    space_id TEXT,
    updated_at INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT,
    source TEXT);
CREATE INDEX IF NOT EXISTS audit_log_by_actor ON audit_log(actor, seq);
CREATE INDEX IF NOT EXISTS audit_log_by_target ON audit_log(target, seq);
