-- Users' notifications (PostgreSQL: 0014_notifications.sql, the same table and columns), numbered per recipient.
-- No titles are stored: the inbox reads them from current data the recipient may read. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS notifications (
    recipient TEXT NOT NULL, sequence INTEGER NOT NULL, kind TEXT NOT NULL, resource_id TEXT NOT NULL, anchor TEXT,
    actor TEXT NOT NULL, snippet TEXT NOT NULL, created_at INTEGER NOT NULL, read INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (recipient, sequence));
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (recipient, sequence) WHERE read = 0;
