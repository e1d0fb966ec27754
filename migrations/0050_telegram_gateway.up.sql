-- The Telegram gateway (core/src/gateway/). Everything that must survive a restart or a change of
-- the node that talks to Telegram lives here, never only in one process's memory.

-- Telegram allows one getUpdates consumer per bot: the node holding this row (renewed by its
-- heartbeat before expires_at) is the only one that polls and delivers announcements.
-- next_offset is the first update_id not yet acknowledged, so a new holder continues where the
-- last one stopped.
CREATE TABLE telegram_gateway_lease (
  id           smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  holder       text,
  expires_at   timestamptz,
  next_offset  bigint NOT NULL DEFAULT 0,
  last_update_at timestamptz
);
INSERT INTO telegram_gateway_lease (id) VALUES (1);

-- Every update handled, recorded before it is acknowledged: an update redelivered (after a crash
-- between handling and acknowledging, or by a retried webhook) is recognised and not handled twice.
CREATE TABLE telegram_updates (
  update_id    bigint PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telegram_updates_received_idx ON telegram_updates (received_at);

-- Chats that wrote to the bot and were refused: counted, so the owner can find their own chat id
-- in the admin. Only ids and counts, never message content.
CREATE TABLE telegram_refused_chats (
  chat_id      text PRIMARY KEY,
  chat_type    text NOT NULL,
  count        bigint NOT NULL DEFAULT 1,
  first_at     timestamptz NOT NULL DEFAULT now(),
  last_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telegram_refused_chats_last_idx ON telegram_refused_chats (last_at DESC);

-- One pending 2FA challenge per chat, bound to one exact action (action_hash over its kind and
-- arguments); a new challenge replaces the old one.
CREATE TABLE telegram_challenges (
  chat_id      text PRIMARY KEY,
  id           uuid NOT NULL,
  kind         text NOT NULL,
  action       jsonb NOT NULL,
  action_hash  text NOT NULL,
  description  text NOT NULL,
  wrong_codes  integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);

-- Step-ups asked for in the admin and approved with a code from Telegram: one use, short-lived,
-- bound to the exact action and target.
CREATE TABLE telegram_step_up_grants (
  id           uuid PRIMARY KEY,
  action       text NOT NULL,
  target       text,
  action_hash  text NOT NULL,
  granted_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
CREATE INDEX telegram_step_up_grants_hash_idx ON telegram_step_up_grants (action_hash);

-- Messages the bot must delete later (the otpauth:// URI of a 2FA enrolment).
CREATE TABLE telegram_ephemeral_messages (
  chat_id      text NOT NULL,
  message_id   bigint NOT NULL,
  purpose      text NOT NULL,
  delete_after timestamptz NOT NULL,
  PRIMARY KEY (chat_id, message_id)
);

-- Announcements waiting to be delivered (written by any node, delivered by the lease holder).
-- Rows of one kind and key delivered together become one message ("… 14 times in 10 min").
CREATE TABLE telegram_announcements (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL,
  key          text NOT NULL,
  text         text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX telegram_announcements_pending_idx ON telegram_announcements (kind, key) WHERE delivered_at IS NULL;
CREATE INDEX telegram_announcements_delivered_idx ON telegram_announcements (kind, key, delivered_at DESC)
  WHERE delivered_at IS NOT NULL;

-- Messages sent, per purpose (`announcements`, `skill:<name>`, `refused:<chat>`), for the
-- per-minute limits that hold across every node on this database.
CREATE TABLE telegram_send_log (
  id           bigserial PRIMARY KEY,
  purpose      text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telegram_send_log_purpose_idx ON telegram_send_log (purpose, at DESC);

-- How far the gateway has turned database events (missed schedules, blocked logins) into
-- announcements.
CREATE TABLE telegram_watermarks (
  name         text PRIMARY KEY,
  last_id      bigint NOT NULL
);
