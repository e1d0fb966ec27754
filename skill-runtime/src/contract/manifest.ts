import { SKILL_PERMISSIONS, type SkillPermission } from './permission-table.ts';
import { SECRET_HANDLE_PATTERN, type SecretEntry } from './secret-bindings.ts';

/** What `skill.json` holds. Validated with ajv against SKILL_MANIFEST_SCHEMA before any skill code runs. */
export interface SkillManifest {
  name: string;
  version: string;
  description: string;
  permissions: SkillPermission[];
  /**
   * Hosts the `http` permission may reach: exact host names, `*.example.com` for sub-domains, or
   * `*` for any public host (never a loopback, private or link-local address, whatever the owner allows).
   */
  net?: string[];
  /**
   * Secrets bound to where they may go (secret-bindings.ts): the host puts a value into a request to
   * those hosts only. A bare handle is the form approved before bindings existed; it enables nothing.
   */
  secrets?: SecretEntry[];
  /** The skills `skills.invoke` may run (needs the `skills.invoke` permission). */
  invokes?: string[];
  /** Branch names `run` may return; default `["on_success", "on_error"]`. */
  routes?: string[];
  /** Output comes from outside and is treated as untrusted text downstream. */
  external?: boolean;
  limits?: { memoryMb?: number; cpuTimeoutMs?: number; wallTimeoutMs?: number };
  /** JSON Schema of the step config. */
  configSchema?: Record<string, unknown>;
  ui?: {
    fields?: string[];
    configScaffold?: Record<string, unknown>;
    presets?: { name: string; config: Record<string, unknown> }[];
    help?: string;
  };
}

export const DEFAULT_ROUTES = ['on_success', 'on_error'] as const;
export const SKILL_NAME_PATTERN = '^[a-z][a-z0-9_]{1,63}$';
/** A host of `net` (or of a secret binding): `api.example.com`, `*.example.com`, optionally `:port`. */
const HOST_PATTERN = '^(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*(:\\d{1,5})?$';
/** A `net` entry: a host as above, or `*` alone (any public host; never a secret binding's host). */
const NET_ENTRY_PATTERN = '^\\*$|^(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*(:\\d{1,5})?$';
const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$';

/**
 * JSON Schema of one secret binding (secret-bindings.ts): in a manifest's `secrets`, and in a workflow
 * step's config where the owner chooses it for that step (step-secret-binding.ts).
 */
export const SECRET_BINDING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['handle', 'hosts', 'in', 'name'],
  properties: {
    handle: { type: 'string', pattern: SECRET_HANDLE_PATTERN, maxLength: 200 },
    hosts: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
      items: { type: 'string', pattern: HOST_PATTERN },
    },
    in: { type: 'string', enum: ['header', 'query'] },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    prefix: { type: 'string', maxLength: 100 },
  },
} as const;

/** JSON Schema (draft 2020-12 subset that ajv validates) of `skill.json`. Unknown fields are refused. */
export const SKILL_MANIFEST_SCHEMA = {
  $id: 'https://talon.local/schemas/skill-manifest.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'description', 'permissions'],
  properties: {
    name: { type: 'string', pattern: SKILL_NAME_PATTERN },
    version: { type: 'string', pattern: SEMVER_PATTERN },
    description: { type: 'string', minLength: 1, maxLength: 500 },
    permissions: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', enum: [...SKILL_PERMISSIONS] },
    },
    net: {
      type: 'array',
      uniqueItems: true,
      maxItems: 50,
      items: { type: 'string', pattern: NET_ENTRY_PATTERN },
    },
    secrets: {
      type: 'array',
      uniqueItems: true,
      maxItems: 20,
      items: { oneOf: [{ type: 'string', pattern: SECRET_HANDLE_PATTERN }, SECRET_BINDING_SCHEMA] },
    },
    invokes: {
      type: 'array',
      uniqueItems: true,
      maxItems: 20,
      items: { type: 'string', pattern: SKILL_NAME_PATTERN },
    },
    routes: {
      type: 'array',
      uniqueItems: true,
      minItems: 1,
      maxItems: 20,
      items: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' },
    },
    external: { type: 'boolean' },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        memoryMb: { type: 'integer', minimum: 8, maximum: 1024 },
        cpuTimeoutMs: { type: 'integer', minimum: 10, maximum: 600_000 },
        wallTimeoutMs: { type: 'integer', minimum: 10, maximum: 3_600_000 },
      },
    },
    configSchema: { type: 'object' },
    ui: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fields: { type: 'array', items: { type: 'string' } },
        configScaffold: { type: 'object' },
        presets: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'config'],
            properties: { name: { type: 'string' }, config: { type: 'object' } },
          },
        },
        help: { type: 'string', maxLength: 5000 },
      },
    },
  },
} as const;
