-- OKRs (docs/okr.md): cycles, check-ins, each cycle's alignment graph and the key results fed from projects
-- (PostgreSQL: 0014_okr.sql, the same columns). Instants are Unix milliseconds (UTC), dates yyyy-MM-dd.
CREATE TABLE IF NOT EXISTS okr_cycles (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL,
    status TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS okr_check_ins (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key_result_id TEXT NOT NULL, objective_id TEXT NOT NULL, value REAL NOT NULL,
    confidence INTEGER, note TEXT, author TEXT NOT NULL, source TEXT, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS okr_check_ins_key_result ON okr_check_ins (key_result_id, id);
CREATE TABLE IF NOT EXISTS okr_nodes (
    cycle_id TEXT NOT NULL, id TEXT NOT NULL, objective_id TEXT NOT NULL, title TEXT NOT NULL, progress REAL NOT NULL,
    owners TEXT NOT NULL, PRIMARY KEY (cycle_id, id));
CREATE TABLE IF NOT EXISTS okr_alignments (
    cycle_id TEXT NOT NULL, from_id TEXT NOT NULL, to_id TEXT NOT NULL, PRIMARY KEY (cycle_id, from_id, to_id));
CREATE TABLE IF NOT EXISTS okr_project_links (
    project_id TEXT NOT NULL, key_result_id TEXT NOT NULL, link TEXT NOT NULL, linked_by TEXT NOT NULL,
    PRIMARY KEY (project_id, key_result_id));
