-- Up Migration
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT,
  password_hash TEXT,
  plan TEXT,
  license_expires_at TEXT,
  voice_id TEXT NOT NULL DEFAULT 'ru-RU-SvetlanaNeural',
  tts_enabled INTEGER NOT NULL DEFAULT 1,
  gift_sounds_enabled INTEGER NOT NULL DEFAULT 1,
  tts_volume INTEGER NOT NULL DEFAULT 100 CHECK (tts_volume BETWEEN 0 AND 100),
  gifts_volume INTEGER NOT NULL DEFAULT 100 CHECK (gifts_volume BETWEEN 0 AND 100),
  tiktok_username TEXT,
  telegram_id INTEGER UNIQUE,
  credits INTEGER NOT NULL DEFAULT 0,
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE license_keys (
  id INTEGER PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  key_suffix TEXT NOT NULL,
  plan TEXT NOT NULL,
  ttl_days INTEGER NOT NULL CHECK (ttl_days > 0),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'redeemed', 'revoked')),
  note TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  redeemed_by INTEGER REFERENCES users (id),
  redeemed_at TEXT,
  revoked_at TEXT
);
CREATE INDEX license_keys_status_idx ON license_keys (status, id);

CREATE TABLE credit_ledger (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  delta INTEGER NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT,
  job_id INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX credit_ledger_job_kind_key ON credit_ledger (job_id, kind) WHERE job_id IS NOT NULL;
CREATE INDEX credit_ledger_user_idx ON credit_ledger (user_id, id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT,
  detail TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Down Migration
DROP TABLE audit_log;
DROP TABLE credit_ledger;
DROP TABLE license_keys;
DROP TABLE users;
