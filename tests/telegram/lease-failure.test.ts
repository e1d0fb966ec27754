import { sql } from 'slonik';
import { expect, it } from 'vitest';
import { ask } from './support/gateway-harness.ts';
import { useGatewayBed } from './support/gateway-bed.ts';

// A holder whose renewal fails outright (the database refuses the write) must stop polling at once,
// not when the lease lapses: by then another node may hold it. The lease lapses after 30 s here, as
// in Talon, so only the failed renewal can stop it within the test.
const bed = useGatewayBed([{ timings: { lease: { renewMs: 100, expiryMs: 30_000 } } }]);

const getUpdatesCalls = () => bed.fake.calls.filter((call) => call.method === 'getUpdates').length;

it('stops polling at once when its lease cannot be renewed, and polls again once it can', async () => {
  expect(await ask(bed.fake, '/ping')).toMatch(/^pong from /);
  await bed.database.pool.query(sql.unsafe`
    CREATE FUNCTION refuse_lease_writes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'lease writes refused by the test'; END $$`);
  await bed.database.pool.query(sql.unsafe`
    CREATE TRIGGER refuse_lease_writes BEFORE UPDATE ON telegram_gateway_lease
    FOR EACH ROW EXECUTE FUNCTION refuse_lease_writes()`);

  await expect.poll(() => bed.fake.openPolls, { timeout: 5_000 }).toBe(0);
  const polls = getUpdatesCalls();
  // Longer than a long poll (1 s here) and the poller's longest pause after a failure (0.5 s).
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(getUpdatesCalls()).toBe(polls);
  expect((await bed.node.gateway.status()).lastError).toMatch(/lease: .*lease writes refused by the test/);

  await bed.database.pool.query(sql.unsafe`DROP TRIGGER refuse_lease_writes ON telegram_gateway_lease`);
  expect(await ask(bed.fake, '/ping')).toMatch(/^pong from /);
});
