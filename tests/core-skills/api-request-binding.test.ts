import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoreSkillsBed, type CoreSkillsBed } from './support/talon-bed.ts';

// api_request's secret binding is chosen in the workflow step (issue 10 §2): saving a step with a
// new binding needs a fresh 2FA code, the binding is recorded as approved for that step, and a run
// hands the runtime only the step's approved binding. The skill names the handle, never the value.
let bed: CoreSkillsBed;
const TOKEN = 'ghp_core_skills_binding_token_0123456789';

beforeAll(async () => {
  bed = await startCoreSkillsBed();
  await bed.ok('PUT', '/api/settings/github.token', { value: TOKEN, totpCode: await bed.code() });
  // The server echoes the token back: the run must never see it.
  bed.web.serve('/me', { type: 'application/json', body: JSON.stringify({ login: 'ada', echoed: TOKEN }) });
  await bed.loadLoopbackCopy('api_request', 'api_request_local');
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

function binding(prefix = 'Bearer ') {
  return { handle: 'github.token', hosts: [bed.web.host], in: 'header', name: 'authorization', prefix };
}

function definition(prefix?: string) {
  return {
    name: 'Who am I',
    steps: [
      {
        id: 'me',
        name: 'Me',
        skill: 'api_request_local',
        config: { url: `${bed.web.url}/me`, secretBinding: binding(prefix) },
      },
    ],
  };
}

type RunView = { id: string; status: string; output: unknown };

async function runAndSeeAuthorization(workflowId: string): Promise<{ run: RunView; sent: unknown }> {
  const before = bed.web.requests.length;
  const run = await bed.ok<RunView>('POST', `/api/workflows/${workflowId}/runs?wait=true`, {});
  return { run, sent: bed.web.requests.slice(before).at(-1)?.headers.authorization };
}

describe('a secret binding chosen in a workflow step', () => {
  let workflowId = '';

  it('needs a 2FA code when the step is saved; nothing is saved without one', async () => {
    const refused = await bed.admin.request('POST', '/api/workflows', definition());
    expect(refused).toMatchObject({ status: 403, body: { error: 'totp_required' } });
    const list = await bed.ok<{ workflows: { name: string }[] }>('GET', '/api/workflows');
    expect(list.workflows.map((workflow) => workflow.name)).not.toContain('Who am I');
    const created = await bed.ok<{ id: string }>('POST', '/api/workflows', {
      ...definition(),
      totpCode: await bed.code(),
    });
    workflowId = created.id;
  });

  it('is applied by the host in a run: the header carries the value, the run never sees it', async () => {
    const { run, sent } = await runAndSeeAuthorization(workflowId);
    expect(sent).toBe(`Bearer ${TOKEN}`);
    expect(run).toMatchObject({
      status: 'completed',
      output: { status: 200, body: { login: 'ada', echoed: '[secret github.token removed]' } },
    });
    expect(JSON.stringify(run)).not.toContain(TOKEN);
  });

  it('stays approved when the step keeps it; a changed binding needs a new code', async () => {
    // Saved again with the same binding (a name change): no code.
    const same = await bed.admin.request('PUT', `/api/workflows/${workflowId}`, {
      ...definition(),
      description: 'renamed nothing, same binding',
    });
    expect(same.status).toBe(200);
    // The prefix changes where the value goes: a code again.
    const changed = await bed.admin.request('PUT', `/api/workflows/${workflowId}`, definition('token '));
    expect(changed).toMatchObject({ status: 403, body: { error: 'totp_required' } });
    expect((await runAndSeeAuthorization(workflowId)).sent).toBe(`Bearer ${TOKEN}`);
    await bed.ok('PUT', `/api/workflows/${workflowId}`, {
      ...definition('token '),
      totpCode: await bed.code(),
    });
    expect((await runAndSeeAuthorization(workflowId)).sent).toBe(`token ${TOKEN}`);
  });

  it("is refused on save when it would send the secret beyond the skill's hosts, or to an owner credential", async () => {
    const elsewhere = definition();
    elsewhere.steps[0]!.config.secretBinding.hosts = ['api.elsewhere.example'];
    const refused = await bed.admin.request('POST', '/api/workflows', { ...elsewhere, name: 'Elsewhere' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(
      '/steps/0/config/secretBinding/hosts/0: \\"api.elsewhere.example\\" is not in \\"net\\"',
    );
    const credential = definition();
    credential.steps[0]!.config.secretBinding.handle = 'auth.totp.secret';
    const owner = await bed.admin.request('POST', '/api/workflows', { ...credential, name: 'Credential' });
    expect(owner.status).toBe(400);
    expect(JSON.stringify(owner.body)).toContain("one of the owner's own credentials");
  });

  it('is not applied outside the step it was approved for', async () => {
    // The same config run directly: no step approved it, so no secret.
    const before = bed.web.requests.length;
    const direct = await bed.ok<{ ok: boolean; branch: string; result: { message: string } }>(
      'POST',
      '/api/skills/api_request_local/run',
      { input: null, config: definition().steps[0]!.config },
    );
    expect(direct).toMatchObject({ ok: true, branch: 'on_error' });
    expect(direct.result.message).toMatch(/^secret_not_granted/);
    expect(bed.web.requests.length).toBe(before);
    // An approval that is gone (its row deleted) hands the step nothing either.
    await bed.talon.database.pool.query(sql.unsafe`DELETE FROM workflow_step_secret_bindings`);
    const { run, sent } = await runAndSeeAuthorization(workflowId);
    expect(sent).toBeUndefined();
    expect(run.status).toBe('failed');
  });
});
