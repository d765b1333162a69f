-- Projects: every recorded change of a project (docs/projects.md), keyed by project and its sequence (SQLite:
-- 0004_project_history.sql, the same columns).
CREATE TABLE project_history
(
    project_id text        NOT NULL,
    sequence   bigint      NOT NULL,
    type       text        NOT NULL,
    actor      text        NOT NULL,
    at         timestamptz NOT NULL,
    item_id    text,
    item_title text,
    node_key   text,
    field      text,
    from_value text,
    to_value   text,
    reason     text,
    depth      integer     NOT NULL,
    PRIMARY KEY (project_id, sequence)
);
CREATE INDEX project_history_item ON project_history (project_id, item_id, sequence);
