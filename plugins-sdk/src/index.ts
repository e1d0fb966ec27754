export * from './manifest.ts';
export * from './permissions.ts';
