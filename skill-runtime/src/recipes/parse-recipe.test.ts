import { describe, expect, it } from 'vitest';
import { parseRecipe, RecipeError } from './parse-recipe.ts';
import type { Recipe } from './recipe.ts';

function recipe(overrides: Partial<Recipe> = {}): Recipe {
  return {
    version: 1,
    name: 'monthly-report',
    startUrl: 'https://reports.example.com/login',
    viewport: { width: 1280, height: 720 },
    allowedDomains: ['reports.example.com', '*.cdn.example.net'],
    allowedPrivateAddresses: [],
    stepTimeoutMs: 30_000,
    secrets: [{ handle: 'password' }],
    parameters: [{ name: 'month', default: '2026-01' }],
    steps: [
      {
        type: 'fill',
        target: { page: 0, frames: [], locators: [{ kind: 'label', label: 'Password' }] },
        value: { secret: 'password' },
      },
      {
        type: 'fill',
        target: { page: 0, frames: [], locators: [{ kind: 'css', selector: '#month' }] },
        value: { parameter: 'month' },
      },
      {
        type: 'download',
        target: {
          page: 0,
          frames: ['iframe[title="Export"]'],
          locators: [{ kind: 'role', role: 'button', name: 'Download' }],
        },
        timeoutMs: 60_000,
      },
    ],
    ...overrides,
  };
}

function problemsOf(input: unknown): readonly string[] {
  try {
    parseRecipe(input);
  } catch (error) {
    if (error instanceof RecipeError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseRecipe', () => {
  it('accepts a recipe with secret handles, parameters, frames and per-step timeouts', () => {
    const parsed = parseRecipe(JSON.parse(JSON.stringify(recipe())));
    expect(parsed.steps).toHaveLength(3);
  });

  it('names the field of each problem the schema finds', () => {
    const bad = {
      ...recipe(),
      version: 2,
      steps: [
        { type: 'hover', target: { page: 0, frames: [], locators: [{ kind: 'css', selector: 'a' }] } },
        { type: 'click', target: { page: 0, frames: [], locators: [] } },
        { type: 'fill', target: { page: 0, frames: [], locators: [{ kind: 'xpath', path: '//a' }] }, value: { literal: 'x', secret: 'password' } },
      ],
      colour: 'red',
    };
    const problems = problemsOf(bad);
    expect(problems).toContain('version must be 1');
    expect(problems).toContain('recipe has an unknown field "colour"');
    expect(problems).toContain('steps[0].type is not a known step type');
    expect(problems).toContain('steps[1].target.locators must NOT have fewer than 1 items');
    expect(problems).toContain('steps[2].target.locators[0].kind is not a known locator kind');
    expect(problems).toContain('steps[2].value must have exactly one of "literal", "secret" or "parameter"');
  }); // prettier-ignore

  it('refuses a secret or parameter no declaration backs, and says which', () => {
    const problems = problemsOf(recipe({ secrets: [], parameters: [] }));
    expect(problems).toEqual([
      'steps[0].value uses the secret "password", which secrets does not declare',
      'steps[1].value uses the parameter "month", which parameters does not declare',
    ]);
  });

  it('refuses a start URL that is not http(s), carries credentials, or is off the allowlist', () => {
    expect(problemsOf(recipe({ startUrl: 'file:///etc/passwd' }))).toEqual([
      'startUrl must be an http or https URL (got file:)',
    ]);
    expect(problemsOf(recipe({ startUrl: 'https://ada:pw@reports.example.com/' }))).toEqual([
      'startUrl must not carry credentials; use a secret handle and a fill step',
    ]);
    expect(problemsOf(recipe({ startUrl: 'https://evil.example.org/' }))).toEqual([
      "startUrl's host evil.example.org is not in allowedDomains",
    ]);
    // A port must be listed to be allowed.
    expect(problemsOf(recipe({ startUrl: 'https://reports.example.com:8443/' }))).toEqual([
      "startUrl's host reports.example.com:8443 is not in allowedDomains",
    ]);
  });

  it('refuses navigate steps to other schemes and private addresses that are not IPs or ranges', () => {
    const problems = problemsOf(
      recipe({
        allowedPrivateAddresses: ['10.0.0.0/8', '10.0.0.1/40', '::1', '1.2.3'],
        steps: [{ type: 'navigate', url: 'javascript:alert(1)' }],
      }),
    );
    expect(problems).toEqual([
      'allowedPrivateAddresses[1] has a prefix longer than 32 bits',
      'allowedPrivateAddresses[3] is not an IP address or CIDR range (got "1.2.3")',
      'steps[0].url must be an http or https URL (got javascript:)',
    ]);
  });

  it('refuses duplicate handles and parameter names', () => {
    const problems = problemsOf(
      recipe({
        secrets: [{ handle: 'password' }, { handle: 'password' }],
        parameters: [{ name: 'month' }, { name: 'month' }],
      }),
    );
    expect(problems).toEqual(['secrets declares "password" twice', 'parameters declares "month" twice']);
  });
});
