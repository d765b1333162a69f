-- Projects: every recorded change of a project (docs/projects.md), keyed by project and its sequence (PostgreSQL:
-- 0012_project_history.sql, the same columns). Instants are Unix milliseconds (UTC).
CREATE TABLE IF NOT EXISTS project_history (
    project_id TEXT NOT NULL, sequence INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, at_ms INTEGER NOT NULL,
    item_id TEXT, item_title TEXT, node_key TEXT, field TEXT, from_value TEXT, to_value TEXT, reason TEXT,
    depth INTEGER NOT NULL, PRIMARY KEY (project_id, sequence));
CREATE INDEX IF NOT EXISTS project_history_item ON project_history (project_id, item_id, sequence);
