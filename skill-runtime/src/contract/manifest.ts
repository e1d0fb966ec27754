import { SKILL_PERMISSIONS, type SkillPermission } from './permission-table.ts';

/** What `skill.json` holds. Validated with ajv against SKILL_MANIFEST_SCHEMA before any skill code runs. */
export interface SkillManifest {
  name: string;
  version: string;
  description: string;
  permissions: SkillPermission[];
  /** Hosts the `http` permission may reach (exact host names, or `*.example.com` for sub-domains). */
  net?: string[];
  /** Secret handles (setting keys) the skill may ask the host to inject into outgoing requests. */
  secrets?: string[];
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
const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$';

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
      items: { type: 'string', pattern: '^(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*(:\\d{1,5})?$' },
    },
    secrets: {
      type: 'array',
      uniqueItems: true,
      maxItems: 20,
      items: { type: 'string', pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)*$' },
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
