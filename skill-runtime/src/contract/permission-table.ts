/**
 * THE permission table of the SkillAPI: every permission a manifest may ask for, and the host
 * functions (`area.method`, as the skill calls them on `ctx.api`) that each one gates. The isolate's
 * `api` object is generated from this list, and every call is checked against it in the host.
 *
 * Adding a permission: add it to plugins-sdk/src/permissions.ts, add a row here, and an
 * implementation in skill-api/host-functions.ts. A test keeps this table, the SDK's permission names
 * and the SDK's SKILL_API_FUNCTIONS identical.
 */
import type { SkillPermission } from '../../../plugins-sdk/src/permissions.ts';

export interface PermissionEntry {
  /** The SkillAPI functions this permission gates. */
  functions: readonly string[];
  /** What the owner approves, in one line (shown at approval and in the admin). */
  description: string;
  /** Granted to every skill without asking (still counted and rate limited). */
  alwaysGranted?: boolean;
  /** Does nothing alone: widens another permission's function (here, `http.fetch`). */
  modifies?: string;
}

export const PERMISSION_TABLE = {
  log: {
    functions: ['log.debug', 'log.info', 'log.warn', 'log.error'],
    description: "Write lines to Talon's log (bounded in lines and bytes)",
    alwaysGranted: true,
  },
  http: {
    functions: ['http.fetch'],
    description: "HTTPS requests to the hosts in the manifest's `net` list only",
  },
  secrets: {
    functions: [],
    description:
      'Have the host put a granted secret into an outgoing request header (never seen by the skill)',
    modifies: 'http.fetch',
  },
  'config.read': {
    functions: ['config.get'],
    description: 'Read non-secret settings',
  },
  storage: {
    functions: ['storage.get', 'storage.set', 'storage.delete', 'storage.list'],
    description: 'A small key-value store of its own, kept in PostgreSQL',
  },
  'skills.invoke': {
    functions: ['skills.invoke'],
    description: 'Run another skill, which gets no more than this skill was granted',
  },
  llm: {
    functions: ['llm.complete'],
    description: 'Ask the configured language model',
  },
  'telegram.send': {
    functions: ['telegram.send'],
    description: "Send a message to the owner's Telegram chat",
  },
  shell: {
    functions: ['shell.exec'],
    description: 'Run an allowlisted command on the host (core skills only)',
  },
  automation: {
    functions: ['automation.run'],
    description: 'Replay a recorded browser recipe in the sidecar (core skills only)',
  },
} as const satisfies Record<SkillPermission, PermissionEntry>;

export type SkillApiFunctionName = (typeof PERMISSION_TABLE)[SkillPermission]['functions'][number];

/** `area.method` → the permission it needs. */
export const FUNCTION_PERMISSIONS: ReadonlyMap<string, SkillPermission> = new Map(
  (Object.entries(PERMISSION_TABLE) as [SkillPermission, PermissionEntry][]).flatMap(([permission, entry]) =>
    entry.functions.map((fn) => [fn, permission] as const),
  ),
);

/** Every function the isolate's `api` object offers, in a stable order. */
export const SKILL_API_FUNCTION_NAMES: readonly string[] = [...FUNCTION_PERMISSIONS.keys()];
