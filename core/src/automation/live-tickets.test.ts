import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { LIVE_TICKET_TTL_MS } from './limits.ts';
import { LiveTickets } from './live-tickets.ts';

const RECORDING = '0f1e2d3c-4b5a-4697-8877-665544332211';
let db: TestDatabase;
let now = Date.parse('2026-12-01T10:00:00Z');
let tickets: LiveTickets;

beforeAll(async () => {
  db = await createTestDatabase();
  tickets = new LiveTickets(db.pool, () => now);
});
afterAll(async () => {
  await db?.drop();
});

describe('live-view tickets', () => {
  it('let the session that asked watch that recording once', async () => {
    const { ticket, expiresAt } = await tickets.issue('session-a', RECORDING);
    expect(expiresAt.getTime()).toBe(now + LIVE_TICKET_TTL_MS);
    expect(await tickets.redeem(ticket, 'session-a', RECORDING)).toEqual({ ok: true });
    expect(await tickets.redeem(ticket, 'session-a', RECORDING)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('are refused, and spent, from another session or for another recording', async () => {
    const first = await tickets.issue('session-a', RECORDING);
    expect(await tickets.redeem(first.ticket, 'session-b', RECORDING)).toEqual({ ok: false, reason: 'other_session' });
    expect(await tickets.redeem(first.ticket, 'session-a', RECORDING)).toEqual({ ok: false, reason: 'unknown' });
    const second = await tickets.issue('session-a', RECORDING);
    const other = '0f1e2d3c-4b5a-4697-8877-000000000000';
    expect(await tickets.redeem(second.ticket, 'session-a', other)).toEqual({ ok: false, reason: 'other_recording' });
  }); // prettier-ignore

  it('expire after 60 s', async () => {
    const { ticket } = await tickets.issue('session-a', RECORDING);
    now += LIVE_TICKET_TTL_MS;
    expect(await tickets.redeem(ticket, 'session-a', RECORDING)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse anything that is not a ticket', async () => {
    expect(await tickets.redeem('', 'session-a', RECORDING)).toEqual({ ok: false, reason: 'unknown' });
    expect(await tickets.redeem("x' OR 1=1 --", 'session-a', RECORDING)).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });
});
