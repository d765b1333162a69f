-- Knowledge base: images uploaded into pages. Readable by whoever can view the owning document (checked by the web
-- host before serving).
CREATE TABLE attachments
(
    id           text PRIMARY KEY,
    doc_id       text        NOT NULL,
    content_type text        NOT NULL,
    data         bytea       NOT NULL,
    uploaded_by  text        NOT NULL,
    uploaded_at  timestamptz NOT NULL
);
