-- Users' notifications (SQLite: 0006_notifications.sql, the same table and columns), numbered per recipient.
-- No titles are stored: the inbox reads them from current data the recipient may read.
CREATE TABLE notifications (
    recipient text NOT NULL, sequence bigint NOT NULL, kind text NOT NULL, resource_id text NOT NULL, anchor text,
    actor text NOT NULL, snippet text NOT NULL, created_at timestamptz NOT NULL, read boolean NOT NULL DEFAULT false,
    PRIMARY KEY (recipient, sequence));
CREATE INDEX notifications_unread ON notifications (recipient, sequence) WHERE NOT read;
