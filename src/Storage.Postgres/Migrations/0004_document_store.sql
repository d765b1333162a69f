-- Spotter.Collab's own document store: the append-only log of CRDT updates per document and the latest compacted
-- snapshot. A snapshot covers every update with seq <= upto_seq; loading a document is the snapshot plus the
-- updates after it.
CREATE TABLE doc_updates
(
    doc_id text   NOT NULL,
    seq    bigint NOT NULL,
    data   bytea  NOT NULL,
    PRIMARY KEY (doc_id, seq)
);

CREATE TABLE doc_snapshots
(
    doc_id   text PRIMARY KEY,
    upto_seq bigint NOT NULL,
    data     bytea  NOT NULL
);
