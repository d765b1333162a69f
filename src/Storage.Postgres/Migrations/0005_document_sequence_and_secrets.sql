-- Sequence numbers for doc_updates come from one database sequence, like SQLite's AUTOINCREMENT key: unique,
-- increasing in insertion order, never reused after compaction deleted the rows (a per-document max(seq) + 1 would
-- restart below the snapshot's upto_seq).
CREATE SEQUENCE doc_updates_seq AS bigint OWNED BY doc_updates.seq;
ALTER TABLE doc_updates ALTER COLUMN seq SET DEFAULT nextval('doc_updates_seq');

-- Small named secrets every web host must share (e.g. the JWT signing key, so a token issued by one host is
-- accepted by all).
CREATE TABLE secrets
(
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
