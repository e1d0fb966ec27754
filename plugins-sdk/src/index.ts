export * from './manifest.ts';
export * from './permissions.ts';
export * from './validate-manifest.ts';
export * from './checksum.ts';
export * from './bundle-scan.ts';
export * from './skill-api.ts';
export { defineSkill, branch } from './define-skill.ts';
