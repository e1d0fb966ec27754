import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSkillRuntime, type TestSkillRuntime } from '../../testing/skill-runtime.ts';

let t: TestSkillRuntime;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => response.end('reached'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/`;
  // No `network` option: the runtime follows the owner's settings, as Talon's own does.
  t = await createTestSkillRuntime();
  await t.install(
    { name: 'loopback_probe', permissions: ['http'], net: [`127.0.0.1:${port}`] },
    `export default { async run({ input, api }) { return (await api.http.fetch(input)).body; } }`,
  );
});

afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the owner's network opt-ins (skills.http.*)", () => {
  it('refuses loopback and plain http by default, allows them once the owner opts in, and refuses again after', async () => {
    const refused = await t.runtime.run('loopback_probe', { input: url });
    expect(refused).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });

    await t.settings.set('skills.http.allow_private_addresses', true);
    const plainHttp = await t.runtime.run('loopback_probe', { input: url });
    expect(plainHttp).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
    if (!plainHttp.ok) expect(plainHttp.error.message).toMatch(/https/i);

    await t.settings.set('skills.http.allow_plain_http', true);
    const reached = await t.runtime.run('loopback_probe', { input: url });
    expect(reached, JSON.stringify(reached)).toMatchObject({ ok: true, result: 'reached' });

    await t.settings.set('skills.http.allow_private_addresses', false);
    const again = await t.runtime.run('loopback_probe', { input: url });
    expect(again).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
    if (!again.ok) expect(again.error.message).toMatch(/private or loopback/);
  });
});
