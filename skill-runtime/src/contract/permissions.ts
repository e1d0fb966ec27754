/**
 * Every permission a skill manifest may ask for. The host's permission table
 * (core/src/skills/permission-table.ts) implements exactly these; a test keeps the two in step.
 */
export const SKILL_PERMISSIONS = [
  'log',
  'http',
  'secrets',
  'config.read',
  'storage',
  'skills.invoke',
  'llm',
  'telegram.send',
  'shell',
  'automation',
] as const;

export type SkillPermission = (typeof SKILL_PERMISSIONS)[number];

/** Permissions only core skills (shipped in plugins/) may hold. */
export const CORE_ONLY_PERMISSIONS: readonly SkillPermission[] = ['shell', 'automation'];
