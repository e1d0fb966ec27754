import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'skill-runtime/src/**/*.test.ts',
      'sidecar-automator/src/**/*.test.ts',
      'core/src/**/*.test.ts',
      'plugins-sdk/**/*.test.ts',
      'plugins/**/*.test.ts',
      'tests/**/*.test.ts',
      'admin-ui/src/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
