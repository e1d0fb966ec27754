-- LLM providers the owner manages in the admin. The API key is not stored here: it lives in the
-- sensitive setting named by key_setting, so it is encrypted at rest, covered by the start-up key
-- check and re-encrypted by `pnpm talon secrets rotate` with every other secret.
CREATE TABLE llm_providers (
  id           text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,39}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind         text NOT NULL CHECK (kind IN ('anthropic', 'gemini', 'openai')),
  base_url     text NOT NULL,
  model        text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
  tier         text NOT NULL CHECK (tier IN ('light', 'medium', 'heavy', 'local')),
  -- Lower answers first within a tier.
  priority     integer NOT NULL DEFAULT 0,
  -- Where prompts go: 'local' = a model on the owner's own machine or network; 'remote' = a third party.
  locality     text NOT NULL CHECK (locality IN ('local', 'remote')),
  enabled      boolean NOT NULL DEFAULT true,
  key_setting  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- The local tier never holds a remote provider: that is what "local" promises.
  CHECK (tier <> 'local' OR locality = 'local')
);

-- Which first-boot seeds (ANTHROPIC_API_KEY, GEMINI_API_KEY, OPENAI_*) already made their provider,
-- so a provider the owner deleted does not come back at the next start.
CREATE TABLE llm_provider_seeds (
  name       text PRIMARY KEY,
  seeded_at  timestamptz NOT NULL DEFAULT now()
);

-- Per provider and UTC day: what the admin's usage screen shows. Kept after a provider is deleted.
CREATE TABLE llm_usage_daily (
  provider_id    text NOT NULL,
  day            date NOT NULL,
  requests       integer NOT NULL DEFAULT 0,
  input_tokens   bigint NOT NULL DEFAULT 0,
  output_tokens  bigint NOT NULL DEFAULT 0,
  errors         integer NOT NULL DEFAULT 0,
  PRIMARY KEY (provider_id, day)
);

-- Token budgets, counted across nodes: reserved before a call, settled with the real usage after.
CREATE TABLE llm_skill_day_tokens (
  skill   text NOT NULL,
  day     date NOT NULL,
  tokens  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (skill, day)
);

CREATE TABLE llm_run_tokens (
  run_id      text PRIMARY KEY,
  tokens      bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_run_tokens_updated_idx ON llm_run_tokens (updated_at);
