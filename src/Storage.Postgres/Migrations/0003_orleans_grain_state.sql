-- Grain state for Microsoft.Orleans.Persistence.AdoNet 10.4.x.
--
-- Orleans identifies a state by ServiceId, the grain type string and the grain key (two 64-bit halves for
-- integer/Guid keys, plus an optional string extension; string keys arrive as the extension with zero halves).
-- It also sends 32-bit hashes of id and type meant as a narrow index; this schema does not use them; it keys each
-- row by a SHA-256 digest of the full identity instead, which is both narrow and unique, so concurrent first
-- writes of one grain cannot create two rows.
--
-- The version is the ETag: NULL expected version means "create", otherwise the write must name the current
-- version and bumps it. A statement answers with the new version; NULL (or no row) tells Orleans the ETag was
-- stale and it raises InconsistentStateException.

CREATE TABLE orleans_grain_state
(
    grain_key          bytea PRIMARY KEY,
    service_id         text NOT NULL,
    grain_type         text NOT NULL,
    grain_id_n0        bigint NOT NULL,
    grain_id_n1        bigint NOT NULL,
    grain_id_extension text NULL,
    -- NULL after ClearStateAsync (the row and its version stay so the ETag keeps advancing).
    payload            bytea NULL,
    version            integer NOT NULL CHECK (version > 0),
    modified_at        timestamptz NOT NULL DEFAULT now()
);

-- Length prefixes make the encoding injective: no two identities produce the same text.
CREATE FUNCTION orleans_grain_key(
    p_service_id text, p_grain_type text, p_n0 bigint, p_n1 bigint, p_extension text)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
SELECT sha256(convert_to(
    length(p_service_id) || ':' || p_service_id || '|' ||
    length(p_grain_type) || ':' || p_grain_type || '|' ||
    p_n0 || '|' || p_n1 || '|' ||
    coalesce(length(p_extension) || ':' || p_extension, '-'),
    'UTF8'));
$fn$;

CREATE FUNCTION orleans_write_grain_state(
    p_service_id       text,
    p_grain_type       text,
    p_n0               bigint,
    p_n1               bigint,
    p_extension        text,
    p_expected_version integer,
    p_payload          bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    key         bytea := orleans_grain_key(p_service_id, p_grain_type, p_n0, p_n1, p_extension);
    new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO orleans_grain_state (grain_key, service_id, grain_type, grain_id_n0, grain_id_n1,
                                         grain_id_extension, payload, version)
        VALUES (key, p_service_id, p_grain_type, p_n0, p_n1, p_extension, p_payload, 1)
        ON CONFLICT (grain_key) DO NOTHING
        RETURNING version INTO new_version;
    ELSE
        UPDATE orleans_grain_state
        SET payload = p_payload, version = version + 1, modified_at = now()
        WHERE grain_key = key AND version = p_expected_version
        RETURNING version INTO new_version;
    END IF;
    RETURN new_version;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_grain_state
WHERE grain_key = orleans_grain_key(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString);
$q$),

('WriteToStorageKey', $q$
SELECT orleans_write_grain_state(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                                 @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion";
$q$),

-- Clear keeps a tombstone row with the bumped version (AdoNetGrainStorageOptions.DeleteStateOnClear = false).
('ClearStorageKey', $q$
UPDATE orleans_grain_state
SET payload = NULL, version = version + 1, modified_at = now()
WHERE grain_key = orleans_grain_key(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString)
  AND version = @GrainStateVersion
RETURNING version AS "NewGrainStateVersion";
$q$),

-- Used instead of ClearStorageKey when DeleteStateOnClear = true. Orleans only needs a value that differs from
-- the ETag it sent to know the delete happened; it then forgets the ETag.
('DeleteStorageKey', $q$
DELETE FROM orleans_grain_state
WHERE grain_key = orleans_grain_key(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString)
  AND version = @GrainStateVersion
RETURNING version + 1 AS "NewGrainStateVersion";
$q$);
