import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import type { SettingsStore } from '../../settings/store.ts';
import type { LifecycleActor, SkillLifecycle } from '../../skills/lifecycle.ts';
import { PACKAGE_LIMITS } from '@talon/skill-runtime/limits.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import {
  nameParams,
  actionResponse,
  pendingResponse,
  approvalsResponse,
  packageResponse,
  codeOnlyBody,
  loadBodySchema,
  uploadBodySchema,
} from './skill-lifecycle-schemas.ts';

export interface SkillLifecycleRoutesOptions {
  lifecycle: SkillLifecycle;
  settings: SettingsStore;
}

interface CodeOnlyBody {
  totpCode?: string;
}

/** Base64 or JSON escaping can grow a package; the upload route alone accepts bodies this large. */
const UPLOAD_BODY_LIMIT = 2 * (PACKAGE_LIMITS.maxBundleBytes + PACKAGE_LIMITS.maxManifestBytes);

/**
 * The owner's side of the skill lifecycle, under /api/skills/ beside the runtime's own routes
 * (`GET /api/skills`, `POST /api/skills/:name/run`): pending folders, the approved packages, and
 * load / reload / unload / upload / restore, each confirmed with a fresh TOTP code (`totpCode`).
 */
export const skillLifecycleRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: SkillLifecycleRoutesOptions;
}> = async (app, { lifecycle, settings }) => {
  const actor = (request: FastifyRequest, body: CodeOnlyBody | undefined): LifecycleActor => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
    totpCode: body?.totpCode,
  });

  app.get('/api/skills/pending', { schema: { response: pendingResponse } }, async () => ({
    pending: lifecycle.listPending(),
  }));

  app.get('/api/skills/approvals', { schema: { response: approvalsResponse } }, async () => ({
    core: lifecycle.listCore(),
    dynamic: await lifecycle.listApproved(),
  }));

  app.get(
    '/api/skills/:name/package',
    { schema: { params: nameParams, response: packageResponse } },
    async (request) => {
      const approval = await lifecycle.approvedPackage(request.params.name);
      return {
        name: approval.name,
        version: approval.version,
        checksum: approval.checksum,
        status: approval.status,
        statusReason: approval.statusReason,
        grants: approval.grants,
        manifest: approval.manifestSource,
        code: approval.code,
      };
    },
  );

  app.post(
    '/api/skills/:name/load',
    {
      schema: {
        params: nameParams,
        response: actionResponse,
        body: loadBodySchema,
      },
    },
    async (request) =>
      lifecycle.load(request.params.name, {
        ...actor(request, request.body),
        checksum: request.body.checksum,
        grants: request.body.grants,
      }),
  );

  for (const action of ['reload', 'unload', 'restore'] as const) {
    app.post(
      `/api/skills/:name/${action}`,
      { schema: { params: nameParams, body: codeOnlyBody, response: actionResponse } },
      async (request) => lifecycle[action](request.params.name, actor(request, request.body)),
    );
  }

  app.post(
    '/api/skills/upload',
    {
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: {
        response: actionResponse,
        body: uploadBodySchema(PACKAGE_LIMITS),
      },
    },
    async (request) =>
      lifecycle.upload({
        ...actor(request, request.body),
        manifestSource: request.body.manifest,
        code: request.body.code,
        grants: request.body.grants,
      }),
  );
};
