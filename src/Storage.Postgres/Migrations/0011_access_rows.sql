-- The access model as rows (was one Orleans grain-state blob of the organisation grain, rewritten whole on every
-- change): a change upserts or deletes only the rows it touched. seq keeps the order rows were first inserted.
-- Dates are UTC ticks and flags integers, the same values as the SQLite tables (AccessRowsSql.SqliteSchema).
-- The organisation grain imports the old blob into these tables on its first activation and then clears the blob.
CREATE TABLE access_settings
(
    seq   bigint GENERATED ALWAYS AS IDENTITY,
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE access_users
(
    seq            bigint GENERATED ALWAYS AS IDENTITY,
    username       text PRIMARY KEY,
    display_name   text    NOT NULL,
    kind           integer NOT NULL,
    partner_org_id text,
    department_id  text,
    deactivated    integer NOT NULL,
    is_admin       integer NOT NULL
);
CREATE TABLE access_departments
(
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    id        text PRIMARY KEY,
    name      text NOT NULL,
    parent_id text
);
CREATE TABLE access_groups
(
    seq  bigint GENERATED ALWAYS AS IDENTITY,
    id   text PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE access_group_members
(
    seq      bigint GENERATED ALWAYS AS IDENTITY,
    group_id text NOT NULL,
    username text NOT NULL,
    PRIMARY KEY (group_id, username)
);
CREATE TABLE access_partners
(
    seq  bigint GENERATED ALWAYS AS IDENTITY,
    id   text PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE access_resources
(
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    id               text PRIMARY KEY,
    kind             integer NOT NULL,
    title            text    NOT NULL,
    parent_id        text,
    ord              integer NOT NULL,
    restricted       integer NOT NULL,
    no_export        integer NOT NULL,
    trashed          integer NOT NULL,
    created_by       text    NOT NULL,
    created_at       bigint  NOT NULL,
    history_audience integer NOT NULL,
    guest_history    integer NOT NULL
);
CREATE TABLE access_grants
(
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    resource_id text    NOT NULL,
    position    integer NOT NULL,
    grant_id    text    NOT NULL,
    principal   text    NOT NULL,
    level       integer NOT NULL,
    PRIMARY KEY (resource_id, position)
);
CREATE TABLE access_links
(
    seq                 bigint GENERATED ALWAYS AS IDENTITY,
    id                  text PRIMARY KEY,
    resource_id         text    NOT NULL,
    scope               integer NOT NULL,
    role                integer NOT NULL,
    token_hash          text    NOT NULL,
    password_salt       bytea,
    password_iterations integer,
    password_hash       bytea,
    expires_at          bigint,
    revoked             integer NOT NULL,
    created_by          text    NOT NULL,
    created_at          bigint  NOT NULL
);
