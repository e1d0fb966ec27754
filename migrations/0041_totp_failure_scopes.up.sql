-- Wrong 2FA codes counted per scope (issue 10 §6): five from any session used to refuse every
-- session's codes. Now each failure says which admin session (a non-secret tag of it), which
-- address (an IPv6 one by its /64) or which Telegram chat it came from; limits apply per scope,
-- with one global limit above them.
ALTER TABLE totp_failures
  ADD COLUMN session_tag text,
  ADD COLUMN address_key text,
  ADD COLUMN chat text;
CREATE INDEX totp_failures_session_idx ON totp_failures (session_tag, at) WHERE session_tag IS NOT NULL;
CREATE INDEX totp_failures_address_idx ON totp_failures (address_key, at) WHERE address_key IS NOT NULL;
CREATE INDEX totp_failures_chat_idx ON totp_failures (chat, at) WHERE chat IS NOT NULL;
