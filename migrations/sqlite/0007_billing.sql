-- Up Migration
-- Billing: the same tables and columns as migrations/pg/0007_billing.sql (see the reasons there).
-- `price_rub` is in kopecks (integer).
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('credits', 'license')),
  code TEXT NOT NULL UNIQUE,
  title_ru TEXT NOT NULL,
  title_en TEXT NOT NULL,
  credits INTEGER CHECK (credits > 0),
  plan TEXT,
  ttl_days INTEGER CHECK (ttl_days > 0),
  price_rub INTEGER NOT NULL CHECK (price_rub > 0),
  price_stars INTEGER NOT NULL CHECK (price_stars > 0),
  enabled INTEGER NOT NULL DEFAULT 1,
  sort INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((kind = 'credits' AND credits IS NOT NULL AND plan IS NULL AND ttl_days IS NULL)
      OR (kind = 'license' AND credits IS NULL AND plan IS NOT NULL AND ttl_days IS NOT NULL))
);

INSERT INTO products (kind, code, title_ru, title_en, credits, plan, ttl_days, price_rub, price_stars, sort) VALUES
  ('credits', 'credits-10', '10 кредитов', '10 credits', 10, NULL, NULL, 29000, 150, 10),
  ('credits', 'credits-50', '50 кредитов', '50 credits', 50, NULL, NULL, 129000, 650, 20),
  ('credits', 'credits-100', '100 кредитов', '100 credits', 100, NULL, NULL, 229000, 1150, 30),
  ('license', 'license-30d', 'Лицензия на 30 дней', '30-day license', NULL, 'pro', 30, 99000, 500, 40),
  ('license', 'license-90d', 'Лицензия на 90 дней', '90-day license', NULL, 'pro', 90, 249000, 1250, 50);

ALTER TABLE payments ADD COLUMN product_id INTEGER REFERENCES products (id);
ALTER TABLE payments ADD COLUMN provider_charge_id TEXT;
ALTER TABLE payments ADD COLUMN payload TEXT;
ALTER TABLE payments ADD COLUMN license_id INTEGER REFERENCES license_keys (id);
ALTER TABLE payments ADD COLUMN key_sent_at TEXT;
ALTER TABLE payments ADD COLUMN fulfilled_at TEXT;
ALTER TABLE payments ADD COLUMN reject_reason TEXT;
ALTER TABLE payments ADD COLUMN refund_requested_at TEXT;
ALTER TABLE payments ADD COLUMN refund_error TEXT;
ALTER TABLE payments ADD COLUMN refunded_at TEXT;

ALTER TABLE credit_ledger ADD COLUMN payment_id INTEGER;
CREATE UNIQUE INDEX credit_ledger_payment_kind_key ON credit_ledger (payment_id, kind) WHERE payment_id IS NOT NULL;

-- Down Migration
DROP INDEX credit_ledger_payment_kind_key;
ALTER TABLE credit_ledger DROP COLUMN payment_id;
ALTER TABLE payments DROP COLUMN product_id;
ALTER TABLE payments DROP COLUMN provider_charge_id;
ALTER TABLE payments DROP COLUMN payload;
ALTER TABLE payments DROP COLUMN license_id;
ALTER TABLE payments DROP COLUMN key_sent_at;
ALTER TABLE payments DROP COLUMN fulfilled_at;
ALTER TABLE payments DROP COLUMN reject_reason;
ALTER TABLE payments DROP COLUMN refund_requested_at;
ALTER TABLE payments DROP COLUMN refund_error;
ALTER TABLE payments DROP COLUMN refunded_at;
DROP TABLE products;
