import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  totpCode,
  type AdminSession,
} from '../../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../testing/test-app.ts';

let talon: TestApp;
let session: AdminSession;
let secret: string;

beforeAll(async () => {
  talon = await createTestApp({ llm: true });
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
});
afterAll(async () => {
  await talon?.close();
});

function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) {
  return talon.app.inject({ method, url, headers: session.headers, ...(payload ? { payload } : {}) });
}

async function code(): Promise<string> {
  await forgetUsedTotpCodes(talon.database.pool);
  return totpCode(secret);
}

const LOCAL_OLLAMA = {
  id: 'ollama',
  name: 'Ollama',
  kind: 'openai',
  baseUrl: 'http://127.0.0.1:11434/v1',
  model: 'llama3.2',
  tier: 'local',
  locality: 'local',
};

describe('/api/llm/providers before 2FA is enrolled', () => {
  it('adds a provider without a code (there is nothing to step up with yet), and audits that', async () => {
    const response = await call('POST', '/api/llm/providers', LOCAL_OLLAMA);
    expect(response.statusCode).toBe(201);
    const audit = await talon.database.pool.any(sql.unsafe`
      SELECT action, outcome, reason FROM audit_log
      WHERE action = 'llm.provider.create' OR details->>'for' = 'llm.provider.create' ORDER BY id`);
    expect(audit).toEqual([
      { action: 'totp.step_up', outcome: 'allowed', reason: 'totp_not_enrolled' },
      { action: 'llm.provider.create', outcome: 'succeeded', reason: null },
    ]);
  });
});

describe('/api/llm/providers', () => {
  beforeAll(async () => {
    secret = await enrolTotp(talon.app, session);
  });

  beforeEach(async () => {
    await talon.database.pool.query(sql.unsafe`DELETE FROM llm_providers`);
  });

  it('adds a provider with a code; the key is stored encrypted and only ever shown masked', async () => {
    const response = await call('POST', '/api/llm/providers', {
      ...LOCAL_OLLAMA,
      id: 'openrouter',
      name: 'OpenRouter',
      baseUrl: 'https://openrouter.ai/api/v1',
      tier: 'heavy',
      locality: 'remote',
      apiKey: 'sk-or-v1-0123456789abcdef',
      totpCode: await code(),
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().provider).toMatchObject({
      id: 'openrouter',
      hasKey: true,
      maskedKey: 'sk-o********cdef',
      keySetting: 'llm.provider.openrouter.api_key',
    });
    expect(response.body).not.toContain('0123456789abcdef');
    const list = await call('GET', '/api/llm/providers');
    expect(list.body).not.toContain('0123456789abcdef');
    const stored = await talon.database.pool.oneFirst(sql.type(z.object({ value: z.string() }))`
      SELECT value FROM settings WHERE key = 'llm.provider.openrouter.api_key'`);
    expect(stored).toMatch(/^enc:/);
  });

  it('without a code, or with a wrong one, nothing is added', async () => {
    expect((await call('POST', '/api/llm/providers', LOCAL_OLLAMA)).json()).toMatchObject({
      error: 'totp_required',
    });
    const wrong = (await totpCode(secret, 5)) === '000000' ? '111111' : '000000';
    expect((await call('POST', '/api/llm/providers', { ...LOCAL_OLLAMA, totpCode: wrong })).statusCode).toBe(
      403,
    );
    expect((await call('GET', '/api/llm/providers')).json()).toEqual({ providers: [] });
  });

  it('explains bad input before asking for a code', async () => {
    const cases: [object, number, RegExp][] = [
      [{ ...LOCAL_OLLAMA, id: 'Bad-Id' }, 400, /body\/id must match pattern/],
      [{ ...LOCAL_OLLAMA, kind: 'cohere' }, 400, /body\/kind must be equal to one of the allowed values/],
      [{ ...LOCAL_OLLAMA, extra: 1 }, 400, /unknown field "extra"/],
      [{ ...LOCAL_OLLAMA, locality: 'remote' }, 400, /The local tier is for providers on your own machines/],
      [
        { ...LOCAL_OLLAMA, tier: 'light', locality: 'remote', baseUrl: 'http://api.example.com/v1' },
        400,
        /Plain http:\/\/ is only allowed to your own machine/,
      ],
    ];
    for (const [payload, status, message] of cases) {
      // No code: the input is refused for what is wrong with it, not for the missing code.
      const response = await call('POST', '/api/llm/providers', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.json().message).toMatch(message);
    }
  });

  it('changing the endpoint or the key, or marking a provider local, needs a code; its tier or model does not', async () => {
    await call('POST', '/api/llm/providers', {
      ...LOCAL_OLLAMA,
      id: 'cloud',
      tier: 'medium',
      locality: 'remote',
      baseUrl: 'https://llm.example.com/v1',
      apiKey: 'sk-cloud-0123456789',
      totpCode: await code(),
    });
    const plain = await call('PUT', '/api/llm/providers/cloud', {
      tier: 'heavy',
      model: 'bigger',
      priority: 3,
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.json().provider).toMatchObject({ tier: 'heavy', model: 'bigger', priority: 3 });
    for (const change of [
      { baseUrl: 'https://elsewhere.example.com/v1' },
      { apiKey: 'sk-stolen-session-0123456789' },
      { clearKey: true },
      { locality: 'local' },
    ]) {
      const refused = await call('PUT', '/api/llm/providers/cloud', change);
      expect(refused.statusCode, JSON.stringify(change)).toBe(403);
    }
    const after = (await call('GET', '/api/llm/providers')).json().providers[0];
    expect(after).toMatchObject({
      baseUrl: 'https://llm.example.com/v1',
      locality: 'remote',
      maskedKey: 'sk-c********6789',
    });
    const withCode = await call('PUT', '/api/llm/providers/cloud', {
      baseUrl: 'https://elsewhere.example.com/v1',
      apiKey: 'sk-new-key-9876543210',
      totpCode: await code(),
    });
    expect(withCode.json().provider).toMatchObject({
      baseUrl: 'https://elsewhere.example.com/v1',
      maskedKey: 'sk-n********3210',
    });
    // An empty key keeps the stored one, and needs no code.
    const kept = await call('PUT', '/api/llm/providers/cloud', { apiKey: '', name: 'Cloud' });
    expect(kept.json().provider).toMatchObject({ name: 'Cloud', maskedKey: 'sk-n********3210' });
  });

  it('removes a provider and its key; the audit log names each change, never the key', async () => {
    await call('POST', '/api/llm/providers', {
      ...LOCAL_OLLAMA,
      apiKey: 'ollama-key-0123456789',
      totpCode: await code(),
    });
    expect((await call('DELETE', '/api/llm/providers/ollama')).statusCode).toBe(204);
    expect((await call('GET', '/api/llm/providers')).json()).toEqual({ providers: [] });
    expect(talon.settings.has('llm.provider.ollama.api_key')).toBe(false);
    expect((await call('DELETE', '/api/llm/providers/ollama')).json()).toMatchObject({
      error: 'llm_provider_not_found',
    });
    const audit = JSON.stringify(
      await talon.database.pool.any(
        sql.unsafe`SELECT action, target, details FROM audit_log WHERE action LIKE 'llm.provider.%'`,
      ),
    );
    expect(audit).toContain('llm.provider.delete');
    expect(audit).not.toContain('0123456789');
  });

  it('a test of an unreachable provider says what went wrong and counts as an error in the usage', async () => {
    await call('POST', '/api/llm/providers', {
      ...LOCAL_OLLAMA,
      baseUrl: 'http://127.0.0.1:9/v1',
      totpCode: await code(),
    });
    const response = await call('POST', '/api/llm/providers/ollama/test');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      ok: false,
      model: 'llama3.2',
      error: { code: 'llm_unreachable' },
    });
    const usage = (await call('GET', '/api/llm/usage?days=7')).json();
    expect(usage.rows).toEqual([
      expect.objectContaining({ providerId: 'ollama', providerName: 'Ollama', requests: 1, errors: 1 }),
    ]);
    expect((await call('GET', '/api/llm/usage?days=0')).statusCode).toBe(400);
  });

  it('reach: which providers a workflow may send data to, local-only respected', async () => {
    await call('POST', '/api/llm/providers', { ...LOCAL_OLLAMA, totpCode: await code() });
    await call('POST', '/api/llm/providers', {
      ...LOCAL_OLLAMA,
      id: 'cloud',
      tier: 'medium',
      locality: 'remote',
      baseUrl: 'https://llm.example.com/v1',
      totpCode: await code(),
    });
    const any = await call('POST', '/api/llm/reach', {
      localOnly: false,
      targets: [{ tier: null, provider: null }],
    });
    expect(
      any
        .json()
        .providers.map((provider: { id: string }) => provider.id)
        .sort(),
    ).toEqual(['cloud', 'ollama']);
    const local = await call('POST', '/api/llm/reach', {
      localOnly: true,
      targets: [
        { tier: 'heavy', provider: null },
        { tier: null, provider: 'cloud' },
      ],
    });
    expect(local.json()).toEqual({
      providers: [{ id: 'ollama', name: 'Ollama', kind: 'openai', model: 'llama3.2', locality: 'local' }],
      problems: [
        { index: 1, code: 'llm_provider_not_allowed', message: expect.stringContaining('is remote') },
      ],
    });
  });
});
