export * from '@talon/skill-runtime/contract/manifest.ts';
export * from '@talon/skill-runtime/contract/permission-table.ts';
export * from '@talon/skill-runtime/contract/validate-manifest.ts';
export * from '@talon/skill-runtime/contract/checksum.ts';
export * from '@talon/skill-runtime/contract/bundle-scan.ts';
export * from '@talon/skill-runtime/contract/skill-api.ts';
export { defineSkill, branch } from './define-skill.ts';
