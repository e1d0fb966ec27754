import type { Recipe, RecipeLocator, RecipeStep, RecipeTarget } from '@talon/skill-runtime/recipes/index.ts';
import type { TestSite } from './test-site.ts';

export function target(locator: RecipeLocator, frames: string[] = []): RecipeTarget {
  return { page: 0, frames, locators: [locator] };
}

/** A hand-written recipe for the test site: its host and loopback address allowed, short step timeouts. */
export function siteRecipe(site: TestSite, overrides: Partial<Recipe> = {}): Recipe {
  return {
    version: 1,
    name: 'test-site',
    startUrl: `${site.url}/login`,
    viewport: { width: 1024, height: 700 },
    allowedDomains: [new URL(site.url).host],
    allowedPrivateAddresses: ['127.0.0.1'],
    stepTimeoutMs: 3_000,
    secrets: [{ handle: 'password' }, { handle: 'code' }],
    parameters: [],
    steps: [],
    ...overrides,
  };
}

/** Signing in to the test site, as an owner would write it by hand. */
export const LOGIN_STEPS: RecipeStep[] = [
  { type: 'fill', target: target({ kind: 'label', label: 'Username' }), value: { literal: 'ada' } },
  { type: 'fill', target: target({ kind: 'label', label: 'Password' }), value: { secret: 'password' } },
  // The first locator finds nothing on this page; the replay falls back to the second.
  {
    type: 'fill',
    target: {
      page: 0,
      frames: [],
      locators: [
        { kind: 'placeholder', placeholder: 'One-time code' },
        { kind: 'label', label: 'Code' },
      ],
    },
    value: { secret: 'code' },
  },
  { type: 'select', target: target({ kind: 'role', role: 'combobox', name: 'Region' }), values: ['us'] },
  { type: 'check', target: target({ kind: 'label', label: 'Remember me' }), checked: true },
  { type: 'click', target: target({ kind: 'role', role: 'button', name: 'Sign in' }) },
];

export const DOWNLOAD_STEP: RecipeStep = {
  type: 'download',
  target: target({ kind: 'role', role: 'button', name: 'Download report' }, [
    'iframe[title="Report export"]',
  ]),
};
