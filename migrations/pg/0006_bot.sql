-- Up Migration
-- The Telegram bot: conversation state and small per-user bot settings by key (the
-- conversations plugin's storage adapter; `lang:<telegram id>` keeps a chosen language),
-- and the update ids already handled, so an update Telegram delivers twice runs once.
CREATE TABLE bot_sessions (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bot_updates (
  update_id bigint PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bot_updates_seen_idx ON bot_updates (seen_at);

-- Down Migration
DROP TABLE bot_updates;
DROP TABLE bot_sessions;
