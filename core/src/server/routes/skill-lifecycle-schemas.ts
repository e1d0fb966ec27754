/**
 * JSON schemas of the skill lifecycle routes: bodies checked before a handler runs, responses
 * serialized to exactly these fields; and the wire types derived from them. No imports with runtime
 * code beyond constants: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { SKILL_MANIFEST_SCHEMA } from '@talon/skill-runtime/contract/manifest.ts';
import { SKILL_PERMISSIONS } from '@talon/skill-runtime/contract/permission-table.ts';
import { errorResponses } from '../error-schema.ts';

export const nameParams = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const totpCode = { type: 'string', maxLength: 16 } as const;

export const grantsSchema = {
  type: 'object',
  required: ['permissions', 'net', 'secrets'],
  additionalProperties: false,
  properties: {
    permissions: { type: 'array', maxItems: 50, items: { type: 'string', enum: [...SKILL_PERMISSIONS] } },
    net: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 260 } },
    // A secret binding's line: handle, where it goes, its prefix and hosts.
    secrets: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 2000 } },
    /** Skills it may invoke; omitted = none (clients from before skills declared them). */
    invokes: { type: 'array', maxItems: 20, default: [], items: { type: 'string', maxLength: 64 } },
  },
} as const;

export const grantsOut = {
  type: 'object',
  required: ['permissions', 'net', 'secrets', 'invokes'],
  additionalProperties: false,
  properties: {
    permissions: { type: 'array', items: { type: 'string' } },
    net: { type: 'array', items: { type: 'string' } },
    secrets: { type: 'array', items: { type: 'string' } },
    /** Skills `skills.invoke` may run. */
    invokes: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** What every lifecycle action answers: the package now approved (or just removed) and its grants. */
export const lifecycleResultSchema = {
  type: 'object',
  required: ['name', 'version', 'checksum', 'grants'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    checksum: { type: 'string' },
    grants: grantsOut,
  },
} as const;

export const actionResponse = { 200: lifecycleResultSchema, ...errorResponses } as const;

/**
 * What a skill's author writes freely (its configSchema, a config scaffold, a preset's config): a
 * bare `{ type: 'object' }` would make the serializer drop every field inside, so it passes whole.
 */
const authorsObject = { type: 'object', additionalProperties: true } as const;

const { $id: _manifestSchemaId, ...manifestSchema } = SKILL_MANIFEST_SCHEMA;
const { ui } = manifestSchema.properties;
const { presets } = ui.properties;

/**
 * A manifest is shown as it was validated on the way in: the manifest schema itself (without the $id
 * that names the one schema ajv keeps), its authors' free-form objects passed whole.
 */
export const manifestOut = {
  ...manifestSchema,
  properties: {
    ...manifestSchema.properties,
    configSchema: authorsObject,
    ui: {
      ...ui,
      properties: {
        ...ui.properties,
        configScaffold: authorsObject,
        presets: {
          ...presets,
          items: {
            ...presets.items,
            properties: { ...presets.items.properties, config: authorsObject },
          },
        },
      },
    },
  },
} as const;

export const pendingSkillSchema = {
  type: 'object',
  required: ['name', 'state', 'detectedAt'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    state: { type: 'string', enum: ['new', 'update', 'refused'] },
    detectedAt: { type: 'string' },
    manifest: manifestOut,
    checksum: { type: 'string' },
    requested: grantsOut,
    loaded: {
      type: 'object',
      required: ['version', 'checksum', 'grants', 'status'],
      additionalProperties: false,
      properties: {
        version: { type: 'string' },
        checksum: { type: 'string' },
        grants: grantsOut,
        status: { type: 'string' },
      },
    },
    diff: {
      type: 'object',
      required: ['added', 'removed'],
      additionalProperties: false,
      properties: { added: grantsOut, removed: grantsOut },
    },
    needsApproval: { type: 'boolean' },
    blockedBy: { type: 'string' },
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const pendingListSchema = {
  type: 'object',
  required: ['pending'],
  additionalProperties: false,
  properties: { pending: { type: 'array', items: pendingSkillSchema } },
} as const;

export const pendingResponse = { 200: pendingListSchema, ...errorResponses } as const;

export const skillApprovalsSchema = {
  type: 'object',
  required: ['core', 'dynamic'],
  additionalProperties: false,
  properties: {
    core: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'state'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          version: { type: 'string' },
          checksum: { type: 'string' },
          state: { type: 'string', enum: ['loaded', 'refused'] },
          reason: { type: 'string' },
        },
      },
    },
    dynamic: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'version', 'checksum', 'grants', 'status', 'needsReapproval'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          version: { type: 'string' },
          checksum: { type: 'string' },
          manifest: manifestOut,
          grants: grantsOut,
          status: { type: 'string', enum: ['approved', 'tampered'] },
          /** What an approval from before secret bindings and invokes leaves off until approved again. */
          needsReapproval: { type: 'array', items: { type: 'string' } },
          statusReason: { type: ['string', 'null'] },
          approvedBy: { type: 'string' },
          approvedAt: { type: 'string' },
          statusChangedAt: { type: 'string' },
        },
      },
    },
  },
} as const;

export const approvalsResponse = { 200: skillApprovalsSchema, ...errorResponses } as const;

/** The approved package byte for byte: `skill.json` and `index.js` as they were approved. */
export const approvedPackageSchema = {
  type: 'object',
  required: ['name', 'version', 'checksum', 'status', 'grants', 'manifest', 'code'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    checksum: { type: 'string' },
    status: { type: 'string' },
    statusReason: { type: ['string', 'null'] },
    grants: grantsOut,
    manifest: { type: 'string' },
    code: { type: 'string' },
  },
} as const;

export const packageResponse = { 200: approvedPackageSchema, ...errorResponses } as const;

export const codeOnlyBody = {
  type: 'object',
  additionalProperties: false,
  properties: { totpCode },
} as const;

/** What `POST /api/skills/:name/load` takes: the checksum as reviewed, the grants ticked, a 2FA code. */
export const loadBodySchema = {
  type: 'object',
  required: ['checksum'],
  additionalProperties: false,
  properties: {
    checksum: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    grants: grantsSchema,
    totpCode,
  },
} as const;

/** Builds the upload body schema from the package limits (the route passes them in). */
export function uploadBodySchema(limits: { maxManifestBytes: number; maxBundleBytes: number }) {
  return {
    type: 'object',
    required: ['manifest', 'code'],
    additionalProperties: false,
    properties: {
      /** The text of `skill.json`. */
      manifest: { type: 'string', minLength: 2, maxLength: limits.maxManifestBytes },
      /** The text of the bundled `index.js`. */
      code: { type: 'string', minLength: 1, maxLength: limits.maxBundleBytes },
      grants: grantsSchema,
      totpCode,
    },
  } as const;
}

export type SkillManifestView = FromSchema<typeof manifestOut>;
export type SkillGrantsView = FromSchema<typeof grantsOut>;
export type PendingSkill = FromSchema<typeof pendingSkillSchema>;
export type SkillApprovals = FromSchema<typeof skillApprovalsSchema>;
export type ApprovedSkill = SkillApprovals['dynamic'][number];
export type CoreSkillState = SkillApprovals['core'][number];
export type ApprovedPackage = FromSchema<typeof approvedPackageSchema>;
export type LifecycleResult = FromSchema<typeof lifecycleResultSchema>;
export type LoadSkillRequest = FromSchema<typeof loadBodySchema>;
export type UploadSkillRequest = FromSchema<ReturnType<typeof uploadBodySchema>>;
export type ApprovedSkillActionRequest = FromSchema<typeof codeOnlyBody>;
