-- A project's automation (PostgreSQL: 0012_project_automation.sql, the same tables and columns): webhooks (the
-- secret is kept to sign posts), rules (their definition as JSON) and the outbox of deliveries, which is also the
-- delivery log. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS automation_webhooks (
    project_id TEXT NOT NULL, id TEXT NOT NULL, url TEXT NOT NULL, format TEXT NOT NULL, secret TEXT,
    events TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (project_id, id));
CREATE TABLE IF NOT EXISTS automation_rules (
    project_id TEXT NOT NULL, id TEXT NOT NULL, definition TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, id));
CREATE TABLE IF NOT EXISTS automation_deliveries (
    project_id TEXT NOT NULL, id TEXT NOT NULL, hook_id TEXT NOT NULL, rule_id TEXT, sequence INTEGER NOT NULL,
    event_type TEXT NOT NULL, idempotency_key TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, detail TEXT,
    attempts TEXT NOT NULL, next_attempt_at INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (project_id, id),
    UNIQUE (project_id, idempotency_key));
CREATE INDEX IF NOT EXISTS automation_deliveries_by_hook ON automation_deliveries (project_id, hook_id, created_at);
CREATE INDEX IF NOT EXISTS automation_deliveries_pending ON automation_deliveries (next_attempt_at) WHERE status = 'pending';
