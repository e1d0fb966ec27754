-- What the dashboard plots (core/src/metrics/): events are appended as things happen, folded each
-- minute into per-minute rows and, once an hour has closed, into per-hour rows kept 30 days whatever
-- the run-history pruning deletes. One shape for every metric: a count, a total (milliseconds,
-- tokens) and, for latencies, a histogram of fixed buckets (core/src/metrics/latency-buckets.ts).

-- Appended by triggers below and by each node's skill-call meter; moved into the rollups (and
-- deleted) by the rollup job, so it only ever holds the last minute or so.
CREATE TABLE metric_events (
  id       bigserial PRIMARY KEY,
  metric   text NOT NULL,
  label    text NOT NULL DEFAULT '',
  at       timestamptz NOT NULL DEFAULT now(),
  count    bigint NOT NULL DEFAULT 1,
  total    double precision NOT NULL DEFAULT 0,
  buckets  bigint[]
);

CREATE TABLE metrics_minute (
  metric   text NOT NULL,
  label    text NOT NULL,
  minute   timestamptz NOT NULL,
  count    bigint NOT NULL DEFAULT 0,
  total    double precision NOT NULL DEFAULT 0,
  buckets  bigint[],
  PRIMARY KEY (metric, minute, label)
);

CREATE TABLE metrics_hour (
  metric   text NOT NULL,
  label    text NOT NULL,
  hour     timestamptz NOT NULL,
  count    bigint NOT NULL DEFAULT 0,
  total    double precision NOT NULL DEFAULT 0,
  buckets  bigint[],
  PRIMARY KEY (metric, hour, label)
);

-- Hours before hours_rolled_until live in metrics_hour only; an event that arrives late for such an
-- hour is added there directly. The row is also the lock that serialises the rollup across nodes.
CREATE TABLE metrics_rollup_state (
  id                  smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  hours_rolled_until  timestamptz
);
INSERT INTO metrics_rollup_state (id) VALUES (1);

-- Element-wise sum of two histograms (either may be null: a metric without one).
CREATE FUNCTION talon_add_buckets(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN a IS NULL THEN b
    WHEN b IS NULL THEN a
    ELSE ARRAY(
      SELECT COALESCE(a[i], 0) + COALESCE(b[i], 0)
      FROM generate_series(1, greatest(cardinality(a), cardinality(b))) AS i)
  END
$$;

CREATE AGGREGATE talon_sum_buckets(bigint[]) (SFUNC = talon_add_buckets, STYPE = bigint[]);

-- The triggers count what every code path does (any node, any way a run ends), and stay quiet while
-- `pnpm talon restore` copies rows in (it sets talon.restoring for its transaction): a restored
-- history must not be counted a second time.

-- A workflow run that ended: runs per hour by outcome.
CREATE FUNCTION talon_metric_run_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('talon.restoring', true) = 'on' THEN RETURN NULL; END IF;
  INSERT INTO metric_events (metric, label, at) VALUES ('runs', NEW.status, NEW.finished_at);
  RETURN NULL;
END
$$;
CREATE TRIGGER workflow_run_ended_metric AFTER UPDATE OF finished_at ON workflow_runs
  FOR EACH ROW WHEN (OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL)
  EXECUTE FUNCTION talon_metric_run_ended();
CREATE TRIGGER workflow_run_inserted_ended_metric AFTER INSERT ON workflow_runs
  FOR EACH ROW WHEN (NEW.finished_at IS NOT NULL)
  EXECUTE FUNCTION talon_metric_run_ended();

-- A wrong admin password (the rate limiter writes one row per failure): login failures per hour.
CREATE FUNCTION talon_metric_login_failure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('talon.restoring', true) = 'on' THEN RETURN NULL; END IF;
  INSERT INTO metric_events (metric, label, at) VALUES ('login_failures', '', NEW.at);
  RETURN NULL;
END
$$;
CREATE TRIGGER login_failure_metric AFTER INSERT ON login_failures
  FOR EACH ROW EXECUTE FUNCTION talon_metric_login_failure();

-- LLM usage per provider (the router counts per UTC day): the tokens and requests each change added.
CREATE FUNCTION talon_metric_llm_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  added_requests bigint;
  added_tokens bigint;
BEGIN
  IF current_setting('talon.restoring', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    added_requests := NEW.requests;
    added_tokens := NEW.input_tokens + NEW.output_tokens;
  ELSE
    added_requests := NEW.requests - OLD.requests;
    added_tokens := (NEW.input_tokens + NEW.output_tokens) - (OLD.input_tokens + OLD.output_tokens);
  END IF;
  IF added_requests > 0 OR added_tokens > 0 THEN
    INSERT INTO metric_events (metric, label, count, total)
    VALUES ('llm_tokens', NEW.provider_id, greatest(added_requests, 0), greatest(added_tokens, 0));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER llm_usage_metric AFTER INSERT OR UPDATE ON llm_usage_daily
  FOR EACH ROW EXECUTE FUNCTION talon_metric_llm_usage();
