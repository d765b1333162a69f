-- A project's automation (SQLite: 0004_project_automation.sql, the same tables and columns): webhooks (the
-- secret is kept to sign posts), rules (their definition as JSON) and the outbox of deliveries, which is also the
-- delivery log. Times are Unix milliseconds.
CREATE TABLE automation_webhooks (
    project_id text NOT NULL, id text NOT NULL, url text NOT NULL, format text NOT NULL, secret text,
    events text NOT NULL, created_by text NOT NULL, created_at bigint NOT NULL, PRIMARY KEY (project_id, id));
CREATE TABLE automation_rules (
    project_id text NOT NULL, id text NOT NULL, definition text NOT NULL, created_at bigint NOT NULL,
    PRIMARY KEY (project_id, id));
CREATE TABLE automation_deliveries (
    project_id text NOT NULL, id text NOT NULL, hook_id text NOT NULL, rule_id text, sequence bigint NOT NULL,
    event_type text NOT NULL, idempotency_key text NOT NULL, payload text NOT NULL, status text NOT NULL, detail text,
    attempts text NOT NULL, next_attempt_at bigint, created_at bigint NOT NULL, PRIMARY KEY (project_id, id),
    UNIQUE (project_id, idempotency_key));
CREATE INDEX automation_deliveries_by_hook ON automation_deliveries (project_id, hook_id, created_at);
CREATE INDEX automation_deliveries_pending ON automation_deliveries (next_attempt_at) WHERE status = 'pending';
