import dgram from 'node:dgram';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import type { ReplayResult } from '../replay/replay-result.ts';
import { LOGIN_STEPS, siteRecipe, target } from '../testing/recipes.ts';
import { startTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { startTestSite, type TestSite } from '../testing/test-site.ts';

let site: TestSite;
let sidecar: TestSidecar;
let port: string;

beforeAll(async () => {
  site = await startTestSite();
  port = new URL(site.url).port;
  sidecar = await startTestSidecar();
});
afterAll(async () => {
  await sidecar?.close();
  await site?.close();
});

async function replay(recipe: Recipe, extra: Record<string, unknown> = {}) {
  const response = await sidecar.call('POST', '/replays', {
    recipe,
    secrets: { password: site.password, code: site.code },
    ...extra,
  });
  return { status: response.status, body: (await response.json()) as ReplayResult & { error?: unknown } };
}

describe("a replay keeps to its recipe's allowlist", () => {
  it('fails a step that navigates off the allowlist, with the reason, and leaves the page untouched', async () => {
    const before = site.requests.length;
    const { body } = await replay(
      siteRecipe(site, { steps: [{ type: 'navigate', url: `http://localhost:${port}/login` }] }),
    );
    expect(body.status).toBe('failed');
    expect(body.error).toEqual({
      code: 'blocked_request',
      step: 0,
      message: `http://localhost:${port}/login was refused: localhost:${port} is not on the recipe's allowlist (allowedDomains)`,
    });
    expect(body.steps[0]).toMatchObject({ status: 'failed', error: { code: 'blocked_request' } });
    expect(body.blockedRequests).toContainEqual({
      url: `http://localhost:${port}/login`,
      reason: `localhost:${port} is not on the recipe's allowlist (allowedDomains)`,
    });
    expect(body.screenshots).toMatchObject([{ step: 0, reason: 'failure' }]);
    // The refused navigation never left the sidecar: the site saw no request for "localhost".
    expect(site.requests.slice(before)).toContain(`GET 127.0.0.1:${port}/login`);
    expect(site.requests.slice(before).filter((request) => request.includes('localhost'))).toEqual([]);
  });

  it('fails a click whose redirect leaves the allowlist', async () => {
    const { body } = await replay(
      siteRecipe(site, {
        startUrl: `${site.url}/links`,
        steps: [{ type: 'click', target: target({ kind: 'role', role: 'link', name: 'Away' }) }],
      }),
    );
    expect(body.error).toMatchObject({ code: 'blocked_request', step: 0 });
    expect(body.error).toHaveProperty(
      'message',
      expect.stringContaining(`http://localhost:${port}/login was refused`),
    );
  });

  it('refuses a loopback address the recipe does not list in allowedPrivateAddresses', async () => {
    const { body } = await replay(
      siteRecipe(site, { allowedPrivateAddresses: ['10.0.0.0/8'], steps: LOGIN_STEPS }),
    );
    expect(body.status).toBe('failed');
    expect(body.error).toEqual({
      code: 'blocked_request',
      message: `The start page did not open: ${site.url}/login was refused: 127.0.0.1 is a private or loopback address that is not in allowedPrivateAddresses`,
    });
    expect(body.steps.every((step) => step.status === 'not_run')).toBe(true);
  });

  it('lets no WebRTC UDP out past the proxy', async () => {
    const udp = dgram.createSocket('udp4');
    let packets = 0;
    udp.on('message', () => (packets += 1));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const { body } = await replay(
        siteRecipe(site, {
          secrets: [],
          startUrl: `${site.url}/webrtc?stun=${udp.address().port}`,
          steps: [{ type: 'wait', ms: 2_000 }],
        }),
        { secrets: {} },
      );
      expect(body.status).toBe('succeeded');
      expect(packets).toBe(0);
    } finally {
      udp.close();
    }
  });
});

describe('replaying hand-written recipes', () => {
  it('falls back to the next locator, and returns a scraped table as data', async () => {
    const { body } = await replay(
      siteRecipe(site, {
        steps: [...LOGIN_STEPS, { type: 'scrape', name: 'totals' }, { type: 'screenshot', name: 'reports' }],
      }),
    );
    expect(body.error).toBeUndefined();
    expect(body.steps[2]?.locator).toBe('label="Code"');
    expect(body.data).toEqual([
      {
        step: 6,
        name: 'totals',
        headers: ['Month', 'Total'],
        rows: [
          ['January', '12'],
          ['February', '30'],
        ],
        truncated: false,
      },
    ]);
    expect(body.screenshots).toMatchObject([{ name: 'reports.png', step: 7, reason: 'step' }]);
  });

  it('paints over the fields a secret was typed into when it takes a screenshot', async () => {
    const recipe = siteRecipe(site, {
      viewport: { width: 800, height: 600 },
      steps: [LOGIN_STEPS[0], LOGIN_STEPS[2], { type: 'screenshot' as const, name: 'filled' }].filter(
        (step) => step !== undefined,
      ),
    });
    const { body } = await replay(recipe);
    expect(body.status).toBe('succeeded');
    const png = Buffer.from(
      await (await sidecar.call('GET', body.screenshots[0]?.url ?? '/missing')).arrayBuffer(),
    );
    // Read the screenshot's pixels where the fields are, in a browser of the test's own.
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: recipe.viewport });
      await page.goto(`${site.url}/login`);
      const code = await page.getByLabel('Code').boundingBox();
      const user = await page.getByLabel('Username').boundingBox();
      await page.setContent(`<canvas width="800" height="600"></canvas>`);
      const pixel = (box: typeof code) =>
        page.evaluate(`(async () => {
          const image = new Image();
          image.src = 'data:image/png;base64,${png.toString('base64')}';
          await image.decode();
          const context = document.querySelector('canvas').getContext('2d');
          context.drawImage(image, 0, 0);
          return [...context.getImageData(${Math.round((box?.x ?? 0) + 5)}, ${Math.round((box?.y ?? 0) + (box?.height ?? 0) / 2)}, 1, 1).data.slice(0, 3)];
        })()`);
      expect(await pixel(code)).toEqual([255, 0, 255]); // Playwright's mask colour over the one-time code
      expect(await pixel(user)).not.toEqual([255, 0, 255]); // a literal value is not hidden
    } finally {
      await browser.close();
    }
  });

  it('ends a step at its own timeout and names the locators it tried', async () => {
    const started = Date.now();
    const { body } = await replay(
      siteRecipe(site, {
        stepTimeoutMs: 30_000,
        steps: [{ type: 'click', target: target({ kind: 'testId', testId: 'missing' }), timeoutMs: 500 }],
      }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(body.error).toEqual({
      code: 'element_not_found',
      step: 0,
      message: 'No locator found exactly one element: testId="missing" (0 matches)',
    });
  });

  it('stops a replay that outlives its time limit', async () => {
    const { body } = await replay(siteRecipe(site, { steps: [{ type: 'wait', ms: 20_000 }] }), {
      timeoutMs: 1_500,
    });
    expect(body.error).toEqual({
      code: 'replay_timeout',
      step: 0,
      message: 'The replay took longer than 1500 ms',
    });
  });

  it('refuses a malformed recipe before starting, naming the field', async () => {
    const { status, body } = await replay({
      ...siteRecipe(site),
      stepTimeoutMs: 5,
      steps: [{ type: 'hover' }],
    } as unknown as Recipe);
    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'recipe_invalid',
      message: 'Invalid recipe: stepTimeoutMs must be >= 100; steps[0].type is not a known step type',
    });
  });
});
