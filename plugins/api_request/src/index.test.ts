import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail, loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

const BINDING = {
  handle: 'tracker.token',
  hosts: ['api.tracker.example'],
  in: 'header',
  name: 'authorization',
  prefix: 'Bearer ',
};

function answer(status: number, body: string, type = 'application/json') {
  return { status, headers: { 'content-type': type, 'x-internal': 'dropped' }, body };
}

describe('api_request', () => {
  it('fills the URL, headers and body from the input and parses a JSON answer (on_2xx)', async () => {
    skill.api.respond('http.fetch', answer(201, '{"id":7}'));
    const outcome = await skill.run({
      input: { project: 'a b', title: 'Disk full' },
      config: {
        method: 'POST',
        url: 'https://api.tracker.example/projects/{input.project}/issues',
        headers: { 'x-title': '{input.title}' },
        body: { title: 'Alert: {input.title}', labels: ['ops'] },
      },
    });
    expect(outcome).toMatchObject({
      ok: true,
      branch: 'on_2xx',
      result: { status: 201, headers: { 'content-type': 'application/json' }, body: { id: 7 } },
    });
    expect(skill.api.callsOf('http.fetch').at(-1)?.args).toEqual([
      'https://api.tracker.example/projects/a%20b/issues',
      {
        method: 'POST',
        headers: { 'x-title': 'Disk full' },
        body: { title: 'Alert: Disk full', labels: ['ops'] },
        timeoutMs: 15000,
      },
    ]);
  });

  it('names only the handle of the step binding: where the secret goes is the host business', async () => {
    skill.api.respond('http.fetch', answer(200, 'ok', 'text/plain'));
    await skill.run({
      input: 'x',
      config: { url: 'https://api.tracker.example/me', secretBinding: BINDING },
    });
    expect(skill.api.callsOf('http.fetch').at(-1)?.args[1]).toEqual({
      method: 'GET',
      headers: {},
      secret: 'tracker.token',
      timeoutMs: 15000,
    });
  });

  it('sends the input itself as the body with sendInput', async () => {
    skill.api.respond('http.fetch', answer(200, '{}'));
    await skill.run({
      input: { level: 'warn' },
      config: { method: 'PUT', url: 'https://hooks.example/in', sendInput: true },
    });
    expect(skill.api.callsOf('http.fetch').at(-1)?.args[1]).toMatchObject({
      method: 'PUT',
      body: { level: 'warn' },
    });
  });

  it('routes by status class, and a timeout or a refusal to on_timeout / on_error', async () => {
    const config = { url: 'https://api.tracker.example/x' };
    skill.api.respond('http.fetch', answer(404, '{"message":"Not Found"}'));
    expect(await skill.run({ input: null, config })).toMatchObject({
      branch: 'on_4xx',
      result: { status: 404, body: { message: 'Not Found' } },
    });
    skill.api.respond('http.fetch', answer(503, 'busy', 'text/plain'));
    expect(await skill.run({ input: null, config })).toMatchObject({
      branch: 'on_5xx',
      result: { body: 'busy' },
    });
    skill.api.respond('http.fetch', answer(304, ''));
    expect(await skill.run({ input: null, config })).toMatchObject({
      branch: 'on_error',
      result: { status: 304 },
    });
    skill.api.handle('http.fetch', () => {
      throw fail('timeout', 'http.fetch: no complete answer within 15000 ms');
    });
    expect(await skill.run({ input: null, config })).toMatchObject({ branch: 'on_timeout' });
    skill.api.handle('http.fetch', () => {
      throw fail('secret_not_granted', 'http.fetch: no approved binding of the secret "tracker.token"');
    });
    expect(await skill.run({ input: null, config: { ...config, secretBinding: BINDING } })).toMatchObject({
      branch: 'on_error',
      result: { message: expect.stringMatching(/^secret_not_granted/) },
    });
  });
});
