-- OKRs (docs/okr.md): cycles, check-ins, each cycle's alignment graph and the key results fed from projects
-- (SQLite: 0006_okr.sql, the same columns).
CREATE TABLE okr_cycles
(
    id         text        PRIMARY KEY,
    name       text        NOT NULL,
    kind       text        NOT NULL,
    start_date date        NOT NULL,
    end_date   date        NOT NULL,
    status     text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE okr_check_ins
(
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_result_id text             NOT NULL,
    objective_id  text             NOT NULL,
    value         double precision NOT NULL,
    confidence    integer,
    note          text,
    author        text             NOT NULL,
    source        text,
    at            timestamptz      NOT NULL
);
CREATE INDEX okr_check_ins_key_result ON okr_check_ins (key_result_id, id);
CREATE TABLE okr_nodes
(
    cycle_id     text             NOT NULL,
    id           text             NOT NULL,
    objective_id text             NOT NULL,
    title        text             NOT NULL,
    progress     double precision NOT NULL,
    owners       text             NOT NULL,
    PRIMARY KEY (cycle_id, id)
);
CREATE TABLE okr_alignments
(
    cycle_id text NOT NULL,
    from_id  text NOT NULL,
    to_id    text NOT NULL,
    PRIMARY KEY (cycle_id, from_id, to_id)
);
CREATE TABLE okr_project_links
(
    project_id    text NOT NULL,
    key_result_id text NOT NULL,
    link          text NOT NULL,
    linked_by     text NOT NULL,
    PRIMARY KEY (project_id, key_result_id)
);
