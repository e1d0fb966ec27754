-- Runtime settings: one row per key, cached in memory by the host. Sensitive values are stored
-- encrypted ("enc:" + base64(IV ‖ ciphertext ‖ tag)), never as plaintext.
CREATE TABLE settings (
  key          text PRIMARY KEY CHECK (key ~ '^[a-z0-9_]+(\.[a-z0-9_]+)*$'),
  value        text NOT NULL DEFAULT '',
  type         text NOT NULL DEFAULT 'string' CHECK (type IN ('string', 'integer', 'float', 'boolean', 'json')),
  description  text NOT NULL DEFAULT '',
  category     text NOT NULL DEFAULT 'general',
  sensitive    boolean NOT NULL DEFAULT false,
  inserted_at  timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A known value encrypted with the settings key: decrypting it at start proves SECRET_KEY_BASE is
-- the one the sensitive settings were written with.
CREATE TABLE secret_key_check (
  id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  rotated_at  timestamptz
);
