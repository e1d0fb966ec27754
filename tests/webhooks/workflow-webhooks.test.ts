import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolTotp, forgetUsedTotpCodes, totpCode } from '@talon/core/testing/admin-session.ts';
import { signStandardWebhook } from '@talon/core/webhooks/standard-signature.ts';
import { startWebhookApp, type WebhookApp } from './support/webhook-app.ts';
import { waitFor } from '../workflows/support/wait.ts';

// A workflow's signed webhook trigger (Standard Webhooks): added in the admin with its secret
// shown once, a code to add, enable or regenerate it once 2FA is enrolled, and what a sender gets.

let t: WebhookApp;
const PER_MINUTE = 10;
/** How long a waiting trigger waits for its run here (30 s in Talon). */
const WAIT_LIMIT_MS = 1_500;

beforeAll(async () => {
  t = await startWebhookApp({ perMinute: PER_MINUTE, waitLimitMs: WAIT_LIMIT_MS });
});
afterAll(async () => {
  await t?.close();
});

const admin = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: t.session.headers, ...(payload ? { payload } : {}) });

async function createWorkflow(name: string, extra: object = {}): Promise<string> {
  const response = await admin('POST', '/api/workflows', {
    name,
    steps: [{ id: 'a', name: 'A', skill: 'upper' }],
    ...extra,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

function send(
  workflowId: string,
  secret: string,
  body: string,
  options: { id?: string; timestamp?: number; signature?: string | null; contentType?: string } = {},
) {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
  };
  if (options.signature !== null)
    headers['webhook-signature'] = options.signature ?? signStandardWebhook(secret, id, timestamp, body);
  return t.app.inject({ method: 'POST', url: `/webhooks/workflows/${workflowId}`, headers, payload: body });
}

describe('Standard Webhooks signatures', () => {
  it("match the specification's published example", () => {
    expect(
      signStandardWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('a workflow webhook trigger', () => {
  let workflowId: string;
  let secret: string;

  it('is added in the admin with its secret shown once, then never again', async () => {
    workflowId = await createWorkflow('inbound');
    expect((await admin('GET', `/api/workflows/${workflowId}/webhook`)).json()).toEqual({ trigger: null });
    const added = await admin('PUT', `/api/workflows/${workflowId}/webhook`, { enabled: true, wait: false });
    expect(added.statusCode, added.body).toBe(200);
    const body = added.json<{ secret: string; trigger: { path: string; enabled: boolean } }>();
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(body.trigger).toMatchObject({
      enabled: true,
      path: `/webhooks/workflows/${workflowId}`,
      url: null,
    });
    secret = body.secret;
    const shown = await admin('GET', `/api/workflows/${workflowId}/webhook`);
    expect(shown.body).not.toContain(secret);
    const settings = await admin('GET', '/api/settings');
    expect(settings.body).not.toContain(secret);
    // Nobody picks the secret through the settings API.
    const overwrite = await admin(
      'PUT',
      `/api/settings/workflows.webhook.${workflowId.replaceAll('-', '_')}.secret`,
      { value: 'whsec_AAAA' },
    );
    expect(overwrite.json()).toMatchObject({ error: 'setting_managed_elsewhere' });
    // ... and it is never exported with the workflow.
    expect((await admin('GET', `/api/workflows/${workflowId}/export`)).body).not.toContain('whsec_');
  });

  it('starts a run from a signed POST, with the JSON body as its input, and answers 202 with the run id', async () => {
    const response = await send(workflowId, secret, '{"order":42}');
    expect(response.statusCode, response.body).toBe(202);
    const { runId } = response.json<{ runId: string }>();
    const run = await waitFor(async () => {
      const found = await t.engine.runs.get(runId);
      return found.status === 'completed' ? found : undefined;
    }, 'the webhook run to complete');
    expect(run).toMatchObject({ trigger: 'webhook', input: { order: 42 }, output: '{"ORDER":42}' });
  });

  it('refuses unsigned, forged and stale deliveries with 401, and each says why', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [Parameters<typeof send>[3], string][] = [
      [{ signature: null }, 'webhook_signature_missing'],
      [{ signature: 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, 'webhook_signature_invalid'],
      [
        { signature: signStandardWebhook('whsec_b3RoZXIgc2VjcmV0IG90aGVyIHNlY3JldA==', 'x', now, '{}') },
        'webhook_signature_invalid',
      ],
      [{ timestamp: now - 6 * 60 }, 'webhook_timestamp_out_of_range'],
      [{ timestamp: now + 6 * 60 }, 'webhook_timestamp_out_of_range'],
    ];
    for (const [options, error] of cases) {
      const response = await send(workflowId, secret, '{"order":1}', options);
      expect(response.statusCode, error).toBe(401);
      expect(response.json()).toMatchObject({ error });
    }
    // A signature over another body does not carry over.
    const id = 'msg_tampered';
    const signature = signStandardWebhook(secret, id, now, '{"order":1}');
    expect(
      (await send(workflowId, secret, '{"order":1000}', { id, timestamp: now, signature })).statusCode,
    ).toBe(401);
    // Several signatures (a secret being rotated): one that matches is enough.
    const rotated = `v1,AAAA ${signStandardWebhook(secret, 'msg_rotated', now, '{}')}`;
    expect(
      (await send(workflowId, secret, '{}', { id: 'msg_rotated', timestamp: now, signature: rotated }))
        .statusCode,
    ).toBe(202);
  });

  it('starts nothing for a replayed webhook-id: it answers with the run it started the first time', async () => {
    const first = await send(workflowId, secret, '{"order":7}', { id: 'msg_once' });
    const again = await send(workflowId, secret, '{"order":7}', { id: 'msg_once' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ runId: first.json<{ runId: string }>().runId, duplicate: true });
    const count = await t.database.pool.oneFirst(sql.unsafe`
      SELECT count(*)::int FROM workflow_runs WHERE input = '{"order":7}'::jsonb`);
    expect(count).toBe(1);
  });

  it('refuses a body over 1 MiB (413), a body that is not JSON (415, 400) and an address with no trigger (404)', async () => {
    expect((await send(workflowId, secret, JSON.stringify({ x: 'y'.repeat(1_100_000) }))).statusCode).toBe(
      413,
    );
    expect((await send(workflowId, secret, 'order=1', { contentType: 'text/csv' })).statusCode).toBe(415);
    expect((await send(workflowId, secret, '{order', {})).json()).toMatchObject({ error: 'invalid_json' });
    const other = await createWorkflow('no trigger here');
    for (const id of [other, randomUUID(), 'not-a-uuid']) {
      const response = await send(id, secret, '{}');
      expect(response.statusCode, id).toBe(404);
      expect(response.json()).toMatchObject({ error: 'webhook_not_found' });
    }
  });

  it(`takes at most ${PER_MINUTE} deliveries a minute per workflow (429 with when to retry)`, async () => {
    const busy = await createWorkflow('busy');
    const { secret: busySecret } = (
      await admin('PUT', `/api/workflows/${busy}/webhook`, { enabled: true, wait: false })
    ).json<{ secret: string }>();
    for (let i = 0; i < PER_MINUTE; i++)
      expect((await send(busy, busySecret, `{"n":${i}}`)).statusCode).toBe(202);
    const over = await send(busy, busySecret, '{"n":99}');
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBe('60');
    // Another workflow's budget is its own.
    expect((await send(workflowId, secret, '{"n":99}')).statusCode).toBe(202);
  });

  it('answers with the run and its output when the trigger waits for it', async () => {
    const waiting = await admin('PUT', `/api/workflows/${workflowId}/webhook`, { enabled: true, wait: true });
    expect(waiting.json()).not.toHaveProperty('secret');
    const response = await send(workflowId, secret, '"hello"');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'completed', output: '"HELLO"', duplicate: false });
  });

  it('answers 202 with the run still going when it outlasts the wait, and the run goes on', async () => {
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    t.runtime.define('slow', async (input) => {
      await released;
      return { result: input };
    });
    const slow = await createWorkflow('slow', { steps: [{ id: 'a', name: 'A', skill: 'slow' }] });
    const { secret: slowSecret } = (
      await admin('PUT', `/api/workflows/${slow}/webhook`, { enabled: true, wait: true })
    ).json<{ secret: string }>();
    const response = await send(slow, slowSecret, '{"late":true}');
    expect(response.statusCode, response.body).toBe(202);
    const answer = response.json<{ runId: string; status: string }>();
    expect(answer.status).toBe('running');
    expect(answer).not.toHaveProperty('output');
    release();
    const run = await waitFor(async () => {
      const found = await t.engine.runs.get(answer.runId);
      return found.status === 'completed' ? found : undefined;
    }, 'the slow run to complete after the answer');
    expect(run.output).toEqual({ late: true });
  });

  it('stops answering when switched off; switched on again and regenerated it needs a code once 2FA is enrolled', async () => {
    await admin('PUT', `/api/workflows/${workflowId}/webhook`, { enabled: false, wait: false });
    expect((await send(workflowId, secret, '{}')).statusCode).toBe(404);
    const totpSecret = await enrolTotp(t.app, t.session);
    await forgetUsedTotpCodes(t.database.pool);
    const withoutCode = await admin('PUT', `/api/workflows/${workflowId}/webhook`, {
      enabled: true,
      wait: false,
    });
    expect(withoutCode.statusCode).toBe(403);
    expect(withoutCode.json()).toMatchObject({ error: 'totp_required' });
    expect((await send(workflowId, secret, '{}')).statusCode).toBe(404);
    const enabled = await admin('PUT', `/api/workflows/${workflowId}/webhook`, {
      enabled: true,
      wait: false,
      totpCode: await totpCode(totpSecret),
    });
    expect(enabled.statusCode, enabled.body).toBe(200);
    // The same secret as before: switching back on shows nothing new.
    expect(enabled.json()).not.toHaveProperty('secret');
    expect((await send(workflowId, secret, '{}')).statusCode).toBe(202);

    expect((await admin('POST', `/api/workflows/${workflowId}/webhook/secret`, {})).statusCode).toBe(403);
    await forgetUsedTotpCodes(t.database.pool);
    const regenerated = await admin('POST', `/api/workflows/${workflowId}/webhook/secret`, {
      totpCode: await totpCode(totpSecret),
    });
    const fresh = regenerated.json<{ secret: string }>().secret;
    expect(fresh).not.toBe(secret);
    expect((await send(workflowId, secret, '{}')).statusCode).toBe(401);
    expect((await send(workflowId, fresh, '{}')).statusCode).toBe(202);
    secret = fresh;
  });

  it('lets a requires-2FA workflow started by a webhook wait for its code', async () => {
    const guarded = await createWorkflow('guarded', { requires2fa: true });
    await forgetUsedTotpCodes(t.database.pool);
    const { secret: guardedSecret } = (
      await admin('PUT', `/api/workflows/${guarded}/webhook`, {
        enabled: true,
        wait: true,
        totpCode: await totpCode(t.settings.getString('auth.totp.secret')),
      })
    ).json<{ secret: string }>();
    const response = await send(guarded, guardedSecret, '{"pay":10}');
    // Even a trigger that waits answers at once: nobody can give the code within the request.
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ status: 'waiting_2fa' });
  });

  it('is removed with its secret', async () => {
    expect((await admin('DELETE', `/api/workflows/${workflowId}/webhook`)).statusCode).toBe(204);
    expect(t.settings.has(`workflows.webhook.${workflowId.replaceAll('-', '_')}.secret`)).toBe(false);
    expect((await send(workflowId, secret, '{}')).statusCode).toBe(404);
  });
});
