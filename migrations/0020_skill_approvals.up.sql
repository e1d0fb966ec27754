-- Dynamic skills the owner approved with a TOTP code: the exact package (manifest and code, so it can be
-- shown and restored byte for byte), its checksum, and the grants, which may be narrower than the
-- manifest's request. AlexClaw kept only a checksum of the source file; the code itself was not stored.
-- Core skills are not here: they are pinned by the checksums built into plugins/ and verified at start.
CREATE TABLE skill_approvals (
  name             text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,63}$'),
  version          text NOT NULL,
  checksum         text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  manifest         jsonb NOT NULL,
  manifest_source  text NOT NULL,
  code             text NOT NULL,
  grants           jsonb NOT NULL,
  -- 'tampered': at start the folder did not match the checksum; the skill is not run until restored.
  status           text NOT NULL DEFAULT 'approved' CHECK (status IN ('approved', 'tampered')),
  status_reason    text,
  approved_by      text NOT NULL,
  approved_at      timestamptz NOT NULL DEFAULT now(),
  status_changed_at timestamptz NOT NULL DEFAULT now()
);
