// ESLint flat config: typescript-eslint's type-aware rules over every package.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import packageBoundaries from './eslint-package-boundaries.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'data/**',
      'test-output/**',
      'plugins/*/index.js',
      // deliberately hostile JavaScript, one attack per skill
      'tests/hostile/skills/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['**/*.{ts,js,vue}'],
    plugins: { talon: packageBoundaries },
    rules: { 'talon/no-relative-import-across-packages': 'error' },
  },
  // The Vue admin: single-file components with TypeScript in <script setup>, running in the browser.
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['admin-ui/src/**/*.{ts,vue}'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
    },
    rules: {
      // Prettier owns the layout of templates.
      ...pluginVue.configs['no-layout-rules'].rules,
    },
  },
);
