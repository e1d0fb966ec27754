-- The global login failure budget (issue 10 §4): failed logins from every address together, so a
-- botnet or one IPv6 /64 cannot guess without end by spreading over addresses. Each attempt is
-- counted when it starts and forgotten if the password was right (or never checked), so parallel
-- guesses cannot slip past the budget before their failures are written. Past the budget, attempts
-- are served one after another with a growing pause: `next_slot_at` is when the next one may be checked.
CREATE TABLE login_budget_attempts (
  id  bigserial PRIMARY KEY,
  at  timestamptz NOT NULL
);
CREATE INDEX login_budget_attempts_at_idx ON login_budget_attempts (at);

CREATE TABLE login_budget (
  id            smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  next_slot_at  timestamptz,
  -- Set when the budget ran out (announced once), cleared when failures fall below it again.
  exhausted_at  timestamptz
);
INSERT INTO login_budget (id) VALUES (1);
