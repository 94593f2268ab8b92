-- Up Migration
-- Streamers: the same tables as migrations/pg/0005_streamers.sql. Here `bus_messages` is the
-- bus itself: processes sharing the file read new rows after their own id cursor.
CREATE TABLE sounds (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  filename TEXT NOT NULL,
  original_name TEXT,
  format TEXT NOT NULL CHECK (format IN ('mp3', 'ogg', 'wav')),
  size INTEGER NOT NULL CHECK (size > 0),
  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
  sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (user_id, filename)
);

CREATE TABLE triggers (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  condition_value TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL CHECK (action IN ('play_sound', 'tts', 'both')),
  action_params TEXT NOT NULL DEFAULT '{}',
  enabled INTEGER NOT NULL DEFAULT 1,
  cooldown_seconds INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_seconds >= 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX triggers_user_idx ON triggers (user_id, id);

CREATE TABLE live_sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  unique_id TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  ended_at TEXT,
  peak_viewers INTEGER NOT NULL DEFAULT 0,
  gifts INTEGER NOT NULL DEFAULT 0,
  diamonds INTEGER NOT NULL DEFAULT 0,
  likes INTEGER NOT NULL DEFAULT 0,
  follows INTEGER NOT NULL DEFAULT 0,
  shares INTEGER NOT NULL DEFAULT 0,
  joins INTEGER NOT NULL DEFAULT 0,
  top_gifters TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX live_sessions_user_idx ON live_sessions (user_id, id);

CREATE TABLE live_events (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
  msg_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  at TEXT NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE (session_id, msg_id)
);
CREATE INDEX live_events_at_idx ON live_events (at);

CREATE TABLE live_leases (
  user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  holder TEXT NOT NULL,
  lease_until TEXT NOT NULL
);

CREATE TABLE bus_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  origin TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Down Migration
DROP TABLE bus_messages;
DROP TABLE live_leases;
DROP TABLE live_events;
DROP TABLE live_sessions;
DROP TABLE triggers;
DROP TABLE sounds;
