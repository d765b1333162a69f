-- Knowledge base: page versions. Each row is a full V1 state of the document at the time, with the usernames that
-- edited since the previous version (newline separated) and why it was taken (activity, last-editor-left, ...).
CREATE TABLE doc_versions
(
    id         bigserial PRIMARY KEY,
    doc_id     text        NOT NULL,
    created_at timestamptz NOT NULL,
    authors    text        NOT NULL,
    reason     text        NOT NULL,
    state      bytea       NOT NULL
);
CREATE INDEX doc_versions_by_doc ON doc_versions (doc_id, id);
