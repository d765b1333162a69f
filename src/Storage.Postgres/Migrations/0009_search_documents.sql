-- Knowledge base: the text of every page as last indexed. The durable source the search index grain rebuilds its
-- in-memory Lucene index from when it activates (on any silo).
CREATE TABLE search_documents
(
    doc_id     text PRIMARY KEY,
    title      text        NOT NULL,
    body       text        NOT NULL,
    space_id   text,
    updated_at timestamptz NOT NULL
);
