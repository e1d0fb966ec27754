import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { installResponseCheck } from '../../testing/response-check.ts';
import { installErrorHandler } from '../error-handler.ts';
import { approvalsResponse, pendingResponse } from './skill-lifecycle-schemas.ts';

// A manifest with everything its author may write freely: the admin reads the configSchema (field
// names and which are required), the scaffold it prefills, and the presets.
const manifest = {
  name: 'thermometer',
  version: '1.2.0',
  description: 'Reads a temperature',
  permissions: ['http'],
  net: ['api.example.com'],
  secrets: [{ handle: 'weather.api_key', hosts: ['api.example.com'], in: 'header', name: 'x-key' }],
  configSchema: {
    type: 'object',
    required: ['units'],
    additionalProperties: false,
    properties: { units: { enum: ['metric', 'imperial'] }, precision: { type: 'integer' } },
  },
  ui: {
    fields: ['units'],
    configScaffold: { units: 'metric', nested: { deep: [1, 2] } },
    presets: [{ name: 'US', config: { units: 'imperial', precision: 1 } }],
    help: 'Pick the units.',
  },
};
const grants = { permissions: ['http'], net: ['api.example.com'], secrets: [], invokes: [] };

const app = Fastify();
installResponseCheck(app);
installErrorHandler(app);
app.get('/approvals', { schema: { response: approvalsResponse } }, async () => ({
  core: [],
  dynamic: [
    {
      name: 'thermometer',
      version: '1.2.0',
      checksum: 'c'.repeat(64),
      manifest,
      grants,
      status: 'approved',
      needsReapproval: [],
    },
  ],
}));
app.get('/pending', { schema: { response: pendingResponse } }, async () => ({
  pending: [{ name: 'thermometer', state: 'new', detectedAt: '2026-01-01T00:00:00.000Z', manifest }],
}));
afterAll(() => app.close());

describe('the skill lifecycle response schemas', () => {
  it('send a manifest whole: its configSchema, config scaffold and presets as the author wrote them', async () => {
    for (const url of ['/approvals', '/pending']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      const body = response.json();
      expect((body.dynamic ?? body.pending)[0].manifest, url).toEqual(manifest);
    }
  });
});
