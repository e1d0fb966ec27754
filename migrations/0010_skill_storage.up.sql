-- The SkillAPI `storage` permission: a small key-value store per skill, size-capped by the host.
CREATE TABLE skill_storage (
  skill text NOT NULL,
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  value jsonb NOT NULL,
  bytes integer NOT NULL CHECK (bytes >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (skill, key)
);
