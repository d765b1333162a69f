-- The access model as rows, each change writing only the rows it touched (PostgreSQL: 0011_access_rows.sql, the
-- same tables and columns). A model still stored as one grain-state blob is imported on the organisation grain's
-- first activation.
CREATE TABLE IF NOT EXISTS access_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, kind INTEGER NOT NULL, partner_org_id TEXT,
    department_id TEXT, deactivated INTEGER NOT NULL, is_admin INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS access_departments (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT);
CREATE TABLE IF NOT EXISTS access_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_group_members (group_id TEXT NOT NULL, username TEXT NOT NULL, PRIMARY KEY (group_id, username));
CREATE TABLE IF NOT EXISTS access_partners (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_resources (
    id TEXT PRIMARY KEY, kind INTEGER NOT NULL, title TEXT NOT NULL, parent_id TEXT, ord INTEGER NOT NULL,
    restricted INTEGER NOT NULL, no_export INTEGER NOT NULL, trashed INTEGER NOT NULL, created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL, history_audience INTEGER NOT NULL, guest_history INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS access_grants (
    resource_id TEXT NOT NULL, position INTEGER NOT NULL, grant_id TEXT NOT NULL, principal TEXT NOT NULL,
    level INTEGER NOT NULL, PRIMARY KEY (resource_id, position));
CREATE TABLE IF NOT EXISTS access_links (
    id TEXT PRIMARY KEY, resource_id TEXT NOT NULL, scope INTEGER NOT NULL, role INTEGER NOT NULL,
    token_hash TEXT NOT NULL, password_salt BLOB, password_iterations INTEGER, password_hash BLOB,
    expires_at INTEGER, revoked INTEGER NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
