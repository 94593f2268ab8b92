-- Up Migration
-- The Telegram bot: the same tables as migrations/pg/0006_bot.sql.
CREATE TABLE bot_sessions (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE bot_updates (
  update_id INTEGER PRIMARY KEY,
  seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX bot_updates_seen_idx ON bot_updates (seen_at);

-- Down Migration
DROP TABLE bot_updates;
DROP TABLE bot_sessions;
