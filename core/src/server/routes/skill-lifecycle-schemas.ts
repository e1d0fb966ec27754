import { SKILL_PERMISSIONS } from '@talon/skill-runtime/contract/permission-table.ts';

/** JSON schemas of the skill lifecycle routes: bodies checked before a handler runs, responses serialized to exactly these fields. */
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
    secrets: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 200 } },
  },
} as const;

export const grantsOut = {
  type: 'object',
  required: ['permissions', 'net', 'secrets'],
  additionalProperties: false,
  properties: {
    permissions: { type: 'array', items: { type: 'string' } },
    net: { type: 'array', items: { type: 'string' } },
    secrets: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** What every lifecycle action answers: the package now approved (or just removed) and its grants. */
export const actionResponse = {
  200: {
    type: 'object',
    required: ['name', 'version', 'checksum', 'grants'],
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      version: { type: 'string' },
      checksum: { type: 'string' },
      grants: grantsOut,
    },
  },
} as const;

// A manifest is validated on the way in; on the way out it is shown as it is (config schemas vary).
export const manifestOut = { type: 'object', additionalProperties: true } as const;

export const pendingResponse = {
  200: {
    type: 'object',
    required: ['pending'],
    additionalProperties: false,
    properties: {
      pending: {
        type: 'array',
        items: {
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
              additionalProperties: false,
              properties: { added: grantsOut, removed: grantsOut },
            },
            needsApproval: { type: 'boolean' },
            blockedBy: { type: 'string' },
            error: {
              type: 'object',
              additionalProperties: false,
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;

export const approvalsResponse = {
  200: {
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
          required: ['name', 'version', 'checksum', 'grants', 'status'],
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            version: { type: 'string' },
            checksum: { type: 'string' },
            manifest: manifestOut,
            grants: grantsOut,
            status: { type: 'string', enum: ['approved', 'tampered'] },
            statusReason: { type: ['string', 'null'] },
            approvedBy: { type: 'string' },
            approvedAt: { type: 'string' },
            statusChangedAt: { type: 'string' },
          },
        },
      },
    },
  },
} as const;

export const packageResponse = {
  200: {
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
  },
} as const;

export const codeOnlyBody = {
  type: 'object',
  additionalProperties: false,
  properties: { totpCode },
} as const;
