-- Up Migration
-- Checkout: the same tables and columns as migrations/pg/0008_checkout.sql (see the reasons
-- there). Money in kopecks; times are ISO-8601 UTC text; booleans 0/1.
CREATE TABLE promo_codes (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('percent', 'fixed', 'credits')),
  value INTEGER NOT NULL CHECK (value > 0),
  max_uses INTEGER CHECK (max_uses > 0),
  uses INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (kind <> 'percent' OR value <= 100)
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  product_id INTEGER NOT NULL REFERENCES products (id),
  provider TEXT NOT NULL CHECK (provider IN ('robokassa', 'yookassa', 'wata')),
  status TEXT NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'pending', 'paid', 'failed', 'expired', 'refunded')),
  user_id INTEGER REFERENCES users (id),
  telegram_id INTEGER,
  lang TEXT NOT NULL DEFAULT 'ru',
  amount INTEGER NOT NULL CHECK (amount > 0),
  list_price INTEGER NOT NULL,
  credits INTEGER NOT NULL DEFAULT 0,
  promo_code_id INTEGER REFERENCES promo_codes (id),
  ref_code TEXT,
  test INTEGER NOT NULL DEFAULT 0,
  provider_order_id TEXT,
  idempotence_key TEXT NOT NULL UNIQUE,
  pay_url TEXT,
  payment_id INTEGER REFERENCES payments (id),
  license_id INTEGER REFERENCES license_keys (id),
  sealed_key TEXT,
  key_revealed_at TEXT,
  fail_reason TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  paid_at TEXT
);
CREATE INDEX orders_status_expires_idx ON orders (status, expires_at);
CREATE INDEX orders_user_idx ON orders (user_id, id);
CREATE INDEX orders_provider_order_idx ON orders (provider, provider_order_id);

CREATE TABLE promo_redemptions (
  id INTEGER PRIMARY KEY,
  promo_code_id INTEGER NOT NULL REFERENCES promo_codes (id),
  order_id INTEGER NOT NULL UNIQUE REFERENCES orders (id),
  buyer TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (promo_code_id, buyer)
);

CREATE TABLE referrals (
  invitee_user_id INTEGER PRIMARY KEY REFERENCES users (id),
  inviter_user_id INTEGER NOT NULL REFERENCES users (id),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  bonus_payment_id INTEGER,
  bonus_granted_at TEXT
);
CREATE INDEX referrals_inviter_idx ON referrals (inviter_user_id);

-- SQLite cannot add a UNIQUE column: the unique index says it instead (on PostgreSQL too).
ALTER TABLE users ADD COLUMN ref_code TEXT;
CREATE UNIQUE INDEX users_ref_code_key ON users (ref_code);
ALTER TABLE payments ADD COLUMN order_id INTEGER REFERENCES orders (id);
CREATE INDEX payments_user_idx ON payments (user_id, id);

-- Down Migration
DROP INDEX payments_user_idx;
ALTER TABLE payments DROP COLUMN order_id;
DROP INDEX users_ref_code_key;
ALTER TABLE users DROP COLUMN ref_code;
DROP TABLE referrals;
DROP TABLE promo_redemptions;
DROP TABLE orders;
DROP TABLE promo_codes;
