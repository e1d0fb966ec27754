-- GitHub webhook deliveries seen (core/src/github/deliveries.ts): an X-GitHub-Delivery id sent
-- again within 7 days is acknowledged and ignored.
CREATE TABLE github_deliveries (
  delivery_id text PRIMARY KEY CHECK (length(delivery_id) BETWEEN 1 AND 200),
  event       text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX github_deliveries_received_idx ON github_deliveries (received_at);
