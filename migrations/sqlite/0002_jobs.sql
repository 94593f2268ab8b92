-- Up Migration
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'waiting_provider', 'succeeded', 'failed')),
  payload TEXT NOT NULL DEFAULT '{}',
  result TEXT,
  user_id INTEGER REFERENCES users (id),
  order_id TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  run_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 8,
  dedupe_key TEXT UNIQUE,
  locked_by TEXT,
  locked_until TEXT,
  provider_task_id TEXT,
  error_code TEXT,
  last_error TEXT,
  refunded INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT
);
CREATE INDEX jobs_claim_idx ON jobs (priority, run_at, id) WHERE status IN ('queued', 'running', 'waiting_provider');
CREATE INDEX jobs_user_idx ON jobs (user_id, id);
CREATE INDEX jobs_order_idx ON jobs (order_id);
CREATE UNIQUE INDEX jobs_provider_task_key ON jobs (provider_task_id) WHERE provider_task_id IS NOT NULL;
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  dedupe_key TEXT NOT NULL UNIQUE,
  job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
  kind TEXT NOT NULL,
  chat_id TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'unknown', 'failed')),
  telegram_message_id INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  sent_at TEXT
);

CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  pid INTEGER NOT NULL,
  instance TEXT,
  concurrency INTEGER NOT NULL,
  running INTEGER NOT NULL DEFAULT 0,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  heartbeat_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  stopping INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE payments (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  provider_payment_id TEXT NOT NULL,
  user_id INTEGER REFERENCES users (id),
  amount TEXT NOT NULL,
  currency TEXT NOT NULL,
  credits INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  paid_at TEXT,
  UNIQUE (provider, provider_payment_id)
);

-- Down Migration
DROP TABLE payments;
DROP TABLE workers;
DROP TABLE outbox;
DROP TABLE jobs;
