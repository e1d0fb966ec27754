/**
 * THE permission table of the SkillAPI: every permission a manifest may ask for, and the host
 * functions (`area.method`, as the skill calls them on `ctx.api`) that each one gates. The manifest
 * schema's list of permissions, the isolate's `api` object and the host's checks are all made from
 * this table, and the SDK's `SkillApi` type is checked against it by the compiler (skill-api.ts).
 *
 * Adding a permission: a row here, its functions' types in skill-api.ts, and their host side in
 * api/host-functions.ts (the compiler refuses the build until all three agree).
 */

export interface PermissionEntry {
  /** The SkillAPI functions this permission gates. */
  functions: readonly string[];
  /** What the owner approves, in one line (shown at approval and in the admin). */
  description: string;
  /** Granted to every skill without asking (still counted and rate limited). */
  alwaysGranted?: boolean;
  /** Does nothing alone: widens another permission's function (here, `http.fetch`). */
  modifies?: string;
  /** Only core skills (shipped in plugins/) may hold it. */
  coreOnly?: boolean;
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
    coreOnly: true,
  },
  automation: {
    functions: ['automation.run'],
    description: 'Replay a recorded browser recipe in the sidecar (core skills only)',
    coreOnly: true,
  },
} as const satisfies Record<string, PermissionEntry>;

/** A permission a manifest may ask for. */
export type SkillPermission = keyof typeof PERMISSION_TABLE;

/** Every permission, in the table's order. */
export const SKILL_PERMISSIONS = Object.keys(PERMISSION_TABLE) as readonly SkillPermission[];

/** Permissions only core skills (shipped in plugins/) may hold. */
export const CORE_ONLY_PERMISSIONS: readonly SkillPermission[] = SKILL_PERMISSIONS.filter(
  (permission) => (PERMISSION_TABLE[permission] as PermissionEntry).coreOnly === true,
);

export type SkillApiFunctionName = (typeof PERMISSION_TABLE)[SkillPermission]['functions'][number];

/** `area.method` → the permission it needs. */
export const FUNCTION_PERMISSIONS: ReadonlyMap<string, SkillPermission> = new Map(
  (Object.entries(PERMISSION_TABLE) as [SkillPermission, PermissionEntry][]).flatMap(([permission, entry]) =>
    entry.functions.map((fn) => [fn, permission] as const),
  ),
);

/** Every function the isolate's `api` object offers, in a stable order. */
export const SKILL_API_FUNCTION_NAMES: readonly string[] = [...FUNCTION_PERMISSIONS.keys()];

/**
 * SkillAPI functions with no effect outside the isolate: reading and logging. A call lost with a
 * shared worker that made only these may run again (sandbox/sandbox.ts); any other call (a request,
 * a write, a message, another skill's run) may have had its effect, so such a call never repeats.
 */
export const EFFECT_FREE_FUNCTIONS: ReadonlySet<string> = new Set([
  ...PERMISSION_TABLE.log.functions,
  'config.get',
  'storage.get',
  'storage.list',
]);
