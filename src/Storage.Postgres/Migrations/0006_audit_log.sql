-- Append-only audit log: logins, grants, links, exports, revocations, denials. The application only ever
-- INSERTs and SELECTs; nothing in the API updates or deletes rows.
CREATE TABLE audit_log
(
    seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text        NOT NULL,
    action text        NOT NULL,
    target text,
    detail text,
    source text
);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_by_target ON audit_log (target, seq);
