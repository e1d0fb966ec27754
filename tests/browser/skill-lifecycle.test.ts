import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'otplib';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems, type ExpectedProblem } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

/** Chromium logs every 4xx answer to fetch() as a console error; these are the refusals the tests provoke. */
const refused = (status: number, url: RegExp): ExpectedProblem => ({
  text: new RegExp(`status of ${status}`),
  url,
});
const LOAD_REFUSED = refused(403, /\/api\/skills\/greeter\/load$/);
const UNLOAD_REFUSED = refused(403, /\/api\/skills\/greeter\/unload$/);
const UPLOAD_REFUSED = refused(409, /\/api\/skills\/upload$/);

const GREETER_MANIFEST = {
  name: 'greeter',
  version: '1.0.0',
  description: 'Greets the name it is given and remembers the last one.',
  permissions: ['log', 'storage', 'http', 'secrets'],
  net: ['api.example.com'],
  secrets: ['greeter.token'],
};

// Reports a refused storage call instead of failing, so a narrower grant is visible in the result.
const GREETER_CODE = `export default {
  async run({ input, api }) {
    await api.log.info('greeting', { name: input.name });
    let remembered = 'stored';
    try {
      await api.storage.set('last', input.name);
    } catch (error) {
      remembered = error.code ?? String(error);
    }
    return { greeting: 'Hello, ' + input.name + '!', remembered };
  },
};
`;

const UPLOADED_MANIFEST = {
  name: 'shouter',
  version: '1.0.0',
  description: 'Upper-cases its input text.',
  permissions: ['log'],
};
const UPLOADED_CODE = `export default { run({ input }) { return { text: String(input.text).toUpperCase() }; } };\n`;

// A config field it cannot run without, and one the schema knows but does not require.
const CONFIGURED_MANIFEST = {
  name: 'thermometer',
  version: '1.0.0',
  description: 'Reports a temperature given in Celsius in the units it is configured with.',
  permissions: [],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['units'],
    properties: {
      units: { enum: ['metric', 'imperial'] },
      precision: { type: 'integer', minimum: 0, maximum: 3 },
    },
  },
  ui: { configScaffold: { units: 'metric' } },
};
const CONFIGURED_CODE = `export default {
  run({ input, config }) {
    const celsius = Number(input.celsius);
    return { temperature: config.units === 'imperial' ? celsius * 9 / 5 + 32 : celsius, units: config.units };
  },
};
`;

/** What an authenticator app shows for this secret, `stepsAhead` 30-second steps from now. */
function authenticatorCode(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

async function writeSkillFolder(
  skillsDir: string,
  name: string,
  manifest: object,
  code: string,
): Promise<string> {
  const folder = path.join(skillsDir, name);
  await mkdir(folder, { recursive: true, mode: 0o755 });
  await writeFile(path.join(folder, 'skill.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await writeFile(path.join(folder, 'index.js'), code, { mode: 0o644 });
  return folder;
}

describe('the skill lifecycle screen in a real browser', { timeout: 90_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;
  let totpSecret = '';

  const lifecycle = () => server.talon.skills.lifecycle;
  const runtimeHas = (name: string) =>
    server.talon.skills.runtime.list().some((skill) => skill.name === name);
  const pendingCard = (name: string): Locator => page.getByTestId(`pending-${name}`);
  const approvedCard = (name: string): Locator => page.getByTestId(`approved-${name}`);

  beforeAll(async () => {
    server = await startTalonUnderTest();
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail')
      await saveScreenshot(page, `failed-lifecycle-${task.name.slice(0, 40)}`);
    expect(problems.takeUnexpected()).toEqual([]);
  });

  /** A fresh code for the next step-up: the used steps are forgotten (test-only), as the lifecycle tests do. */
  async function freshCode(): Promise<string> {
    await forgetUsedTotpCodes(server.talon.database.pool);
    return authenticatorCode(totpSecret);
  }

  async function openApprovals(): Promise<void> {
    await page.goto(`${server.url}/skills/approvals`);
    if (new URL(page.url()).pathname === '/login') {
      await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${server.url}/skills/approvals`);
    }
    await page.getByRole('heading', { name: 'Approved skills' }).waitFor();
  }

  /** Waits for the screen's confirmation of an action (it shows once the lists are reloaded). */
  async function confirmation(text: string): Promise<void> {
    await page.getByTestId('lifecycle-done').filter({ hasText: text }).waitFor();
  }

  async function waitUntilPending(name: string): Promise<void> {
    // The watcher (chokidar) reports the folder; the screen reads the list when it opens.
    await expect
      .poll(
        () =>
          lifecycle()
            .listPending()
            .map((entry) => entry.name),
        { timeout: 10_000 },
      )
      .toContain(name);
  }

  it('shows a new folder as pending with its manifest, what it asks for and its checksum; a folder breaking a rule as refused', async () => {
    const skillsDir = lifecycle().skillsDir;
    await writeSkillFolder(skillsDir, 'greeter', GREETER_MANIFEST, GREETER_CODE);
    const openDoor = await writeSkillFolder(
      skillsDir,
      'open_door',
      { ...GREETER_MANIFEST, name: 'open_door' },
      GREETER_CODE,
    );
    await chmod(path.join(openDoor, 'index.js'), 0o666);
    await waitUntilPending('greeter');
    await waitUntilPending('open_door');

    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Skills' }).click();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Approvals' }).click();
    await page.waitForURL(`${server.url}/skills/approvals`);

    const card = pendingCard('greeter');
    await expect(card.getByTestId('pending-state').textContent()).resolves.toBe('new');
    await expect(card.textContent()).resolves.toContain(GREETER_MANIFEST.description);
    await expect(card.getByTestId('pending-checksum').textContent()).resolves.toBe(
      skillChecksum(GREETER_MANIFEST, GREETER_CODE),
    );
    await expect(card.getByTestId('grants-permissions').locator('code').allTextContents()).resolves.toEqual([
      'http',
      'log',
      'secrets',
      'storage',
    ]);
    await expect(card.getByTestId('grants-net').locator('code').allTextContents()).resolves.toEqual([
      'api.example.com',
    ]);
    await expect(card.getByTestId('grants-secrets').locator('code').allTextContents()).resolves.toEqual([
      'greeter.token',
    ]);
    for (const item of ['log', 'storage', 'http', 'secrets', 'api.example.com', 'greeter.token']) {
      await expect(card.getByRole('checkbox', { name: item, exact: true }).isChecked()).resolves.toBe(true);
    }

    const refusedCard = pendingCard('open_door');
    await expect(refusedCard.getByTestId('pending-state').textContent()).resolves.toBe('refused');
    await expect(refusedCard.getByTestId('pending-refusal').textContent()).resolves.toMatch(
      /writable by every user/,
    );
    await expect(refusedCard.getByRole('button', { name: 'Approve and load' }).count()).resolves.toBe(0);
    await expect(page.getByTestId('approved-skills').textContent()).resolves.toContain('No skill of yours');
    await saveScreenshot(page, 'lifecycle-01-pending');
  });

  it('refuses to approve without 2FA enrolled: the server says "enrol 2FA first" and nothing is loaded', async () => {
    const card = pendingCard('greeter');
    await card.getByLabel('2FA code').fill('123456');
    await card.getByRole('button', { name: 'Approve and load' }).click();
    await expect(card.getByRole('alert').textContent()).resolves.toContain('enrol 2FA first');
    expect(runtimeHas('greeter')).toBe(false);
    await expect(page.getByTestId('approved-skills').textContent()).resolves.toContain('No skill of yours');
    await saveScreenshot(page, 'lifecycle-02-enrol-2fa-first');
    expect(problems.takeUnexpected([LOAD_REFUSED])).toEqual([]);
  });

  it('enrols 2FA on the Security screen', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up 2FA' }).click();
    const secretShown = page.getByTestId('totp-secret');
    await secretShown.waitFor();
    totpSecret = ((await secretShown.textContent()) ?? '').replaceAll(' ', '');
    await page.getByLabel('Code from the app').fill(await authenticatorCode(totpSecret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Two-factor authentication is on.').waitFor();
  });

  it('shows the refusal of a wrong code and loads nothing', async () => {
    await openApprovals();
    const card = pendingCard('greeter');
    const right = await authenticatorCode(totpSecret);
    const wrong = right === '000000' ? '111111' : '000000';
    await card.getByLabel('2FA code').fill(wrong);
    await card.getByRole('button', { name: 'Approve and load' }).click();
    await expect(card.getByRole('alert').textContent()).resolves.toContain('The 2FA code is wrong');
    expect(runtimeHas('greeter')).toBe(false);
    await expect(page.getByTestId('approved-skills').textContent()).resolves.toContain('No skill of yours');
    await saveScreenshot(page, 'lifecycle-03-wrong-code');
    expect(problems.takeUnexpected([LOAD_REFUSED])).toEqual([]);
  });

  it('approves with a narrower grant and a fresh code: listed as approved, and runs from the Skills screen without the ungranted permission', async () => {
    const card = pendingCard('greeter');
    await card.getByRole('checkbox', { name: 'storage', exact: true }).uncheck();
    await card.getByLabel('2FA code').fill(await freshCode());
    await card.getByRole('button', { name: 'Approve and load' }).click();
    await confirmation('Approved and loaded greeter 1.0.0.');
    await expect(pendingCard('greeter').count()).resolves.toBe(0);
    const approved = approvedCard('greeter');
    await expect(approved.getByTestId('approval-status').textContent()).resolves.toBe('approved');
    await expect(
      approved.getByTestId('grants-permissions').locator('code').allTextContents(),
    ).resolves.toEqual(['http', 'log', 'secrets']);
    await expect(approved.getByTestId('withheld').textContent()).resolves.toContain('storage');
    await expect(approved.getByTestId('grants-net').locator('code').allTextContents()).resolves.toEqual([
      'api.example.com',
    ]);
    await expect(approved.getByTestId('approved-checksum').textContent()).resolves.toBe(
      skillChecksum(GREETER_MANIFEST, GREETER_CODE),
    );
    expect(runtimeHas('greeter')).toBe(true);
    await saveScreenshot(page, 'lifecycle-04-approved');

    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Loaded and run' })
      .click();
    await page.getByTestId('skills').getByText('greeter', { exact: true }).waitFor();
    await page.getByLabel('Skill').selectOption('greeter');
    await page.getByLabel('Input (JSON)').fill('{ "name": "Ada" }');
    await page.getByRole('button', { name: 'Run' }).click();
    const output = page.getByTestId('run-output');
    await output.waitFor();
    expect(JSON.parse((await output.textContent()) ?? '')).toEqual({
      greeting: 'Hello, Ada!',
      remembered: 'permission_denied',
    });
    await expect(page.getByTestId('run-result').textContent()).resolves.toContain('denied');
    await saveScreenshot(page, 'lifecycle-05-runs');
  });

  it('shows the approved code byte for byte', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Approvals' }).click();
    const approved = approvedCard('greeter');
    await approved.getByRole('button', { name: 'View approved code' }).click();
    const code = approved.getByTestId('approved-code');
    await code.waitFor();
    await expect(code.textContent()).resolves.toBe(GREETER_CODE);
    expect(JSON.parse((await approved.getByTestId('approved-manifest').textContent()) ?? '')).toEqual(
      GREETER_MANIFEST,
    );
    await saveScreenshot(page, 'lifecycle-06-approved-code');
  });

  it('marks a skill whose file changed as tampered at restart, never runs it, and restores the approved copy', async () => {
    const codeFile = path.join(lifecycle().skillsDir, 'greeter', 'index.js');
    await writeFile(codeFile, GREETER_CODE.replace('Hello', 'Pwned'));
    await server.restart();
    expect(runtimeHas('greeter')).toBe(false);

    await openApprovals();
    const approved = approvedCard('greeter');
    await expect(approved.getByTestId('approval-status').textContent()).resolves.toBe('tampered');
    await expect(approved.getByTestId('tampered-notice').textContent()).resolves.toContain(
      'no longer match what you approved',
    );
    // The changed folder is also offered as an update, which the version rule blocks.
    await expect(pendingCard('greeter').getByTestId('pending-blocked').textContent()).resolves.toContain(
      'not higher than the approved 1.0.0',
    );
    await saveScreenshot(page, 'lifecycle-07-tampered');
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveScreenshot(page, 'lifecycle-07-tampered-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await approved.getByLabel('2FA code').fill(await freshCode());
    await approved.getByRole('button', { name: 'Restore approved copy' }).click();
    await confirmation('Restored the approved copy of greeter 1.0.0.');
    await expect(approvedCard('greeter').getByTestId('approval-status').textContent()).resolves.toBe(
      'approved',
    );
    await expect(page.getByTestId('pending-skills').textContent()).resolves.not.toContain('greeter');
    await expect(readFile(codeFile, 'utf8')).resolves.toBe(GREETER_CODE);
    expect(runtimeHas('greeter')).toBe(true);
    await saveScreenshot(page, 'lifecycle-08-restored');
  });

  it('reloads and unloads with a code; a code used once is refused the second time', async () => {
    const approved = approvedCard('greeter');
    const code = await freshCode();
    await approved.getByLabel('2FA code').fill(code);
    await approved.getByRole('button', { name: 'Reload' }).click();
    await confirmation('Reloaded greeter 1.0.0.');

    await approvedCard('greeter').getByLabel('2FA code').fill(code);
    await approvedCard('greeter').getByRole('button', { name: 'Unload' }).click();
    await expect(approvedCard('greeter').getByRole('alert').textContent()).resolves.toContain('already used');
    expect(runtimeHas('greeter')).toBe(true);
    expect(problems.takeUnexpected([UNLOAD_REFUSED])).toEqual([]);

    await approvedCard('greeter')
      .getByLabel('2FA code')
      .fill(await freshCode());
    await approvedCard('greeter').getByRole('button', { name: 'Unload' }).click();
    await confirmation('Unloaded greeter 1.0.0.');
    await expect(page.getByTestId('approved-skills').textContent()).resolves.toContain('No skill of yours');
    expect(runtimeHas('greeter')).toBe(false);
    // Its folder is still there: it waits for approval again.
    await expect(pendingCard('greeter').getByTestId('pending-state').textContent()).resolves.toBe('new');
  });

  it('uploads a skill (manifest + code) and loads it; the version rule refuses the same version again', async () => {
    const form = page.getByTestId('upload-form');
    await form.getByLabel('Manifest (skill.json)').fill(JSON.stringify(UPLOADED_MANIFEST, null, 2));
    await form.getByLabel('Code (index.js)').fill(UPLOADED_CODE);
    await expect(form.getByRole('checkbox', { name: 'log', exact: true }).isChecked()).resolves.toBe(true);
    await form.getByLabel('2FA code').fill(await freshCode());
    await saveScreenshot(page, 'lifecycle-09-upload');
    await form.getByRole('button', { name: 'Upload and load' }).click();
    await confirmation('Uploaded and loaded shouter 1.0.0.');
    await expect(approvedCard('shouter').getByTestId('grants-permissions').textContent()).resolves.toBe(
      'log',
    );
    expect(runtimeHas('shouter')).toBe(true);

    await form.getByLabel('Manifest (skill.json)').fill(JSON.stringify(UPLOADED_MANIFEST, null, 2));
    await form.getByLabel('Code (index.js)').fill(UPLOADED_CODE.replace('toUpperCase', 'toLowerCase'));
    await form.getByLabel('2FA code').fill(await freshCode());
    await form.getByRole('button', { name: 'Upload and load' }).click();
    await expect(form.getByRole('alert').textContent()).resolves.toContain('must have a higher version');
    await expect(page.getByTestId('lifecycle-done').count()).resolves.toBe(0);
    await saveScreenshot(page, 'lifecycle-10-version-rule');
    expect(problems.takeUnexpected([UPLOAD_REFUSED])).toEqual([]);
  });

  it('runs a skill with a configSchema from the Skills screen: its scaffold prefilled, a fitting config runs, a refused one names the field, malformed JSON is caught before sending', async () => {
    const form = page.getByTestId('upload-form');
    await form.getByLabel('Manifest (skill.json)').fill(JSON.stringify(CONFIGURED_MANIFEST, null, 2));
    await form.getByLabel('Code (index.js)').fill(CONFIGURED_CODE);
    await form.getByLabel('2FA code').fill(await freshCode());
    await form.getByRole('button', { name: 'Upload and load' }).click();
    await confirmation('Uploaded and loaded thermometer 1.0.0.');

    const sentRuns: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/skills/thermometer/run'))
        sentRuns.push(request.postDataJSON());
    });
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Loaded and run' })
      .click();
    await page.getByTestId('skills').getByText('thermometer', { exact: true }).waitFor();
    await page.getByLabel('Skill').selectOption('thermometer');
    const config = page.getByLabel('Config (JSON object)');
    expect(JSON.parse(await config.inputValue())).toEqual({ units: 'metric' });
    await expect(page.getByTestId('config-hint').textContent()).resolves.toMatch(
      /Fields:\s*units \(required\), precision\./,
    );

    const result = page.getByTestId('run-result');
    const output = page.getByTestId('run-output');
    await page.getByLabel('Input (JSON)').fill('{ "celsius": 20 }');
    await config.fill('{ "units": "imperial" }');
    await page.getByRole('button', { name: 'Run' }).click();
    await output.waitFor();
    expect(JSON.parse((await output.textContent()) ?? '')).toEqual({ temperature: 68, units: 'imperial' });
    expect(sentRuns).toEqual([{ input: { celsius: 20 }, config: { units: 'imperial' } }]);
    await saveScreenshot(page, 'lifecycle-11-run-with-config');

    await config.fill('{ "unit": "imperial" }');
    await page.getByRole('button', { name: 'Run' }).click();
    const refusal = result.getByRole('alert');
    await refusal.waitFor();
    const said = (await refusal.textContent()) ?? '';
    expect(said).toContain('Failed (config_invalid)');
    expect(said).toContain('config does not fit thermometer 1.0.0');
    expect(said).toContain('unknown field "unit"');
    expect(said).toContain('/units missing required field "units"');
    await saveScreenshot(page, 'lifecycle-12-config-refused');

    // Caught on the page: the field says why, gets the focus, and nothing is sent.
    const sentBefore = sentRuns.length;
    await config.fill('{ "units": ');
    await page.getByRole('button', { name: 'Run' }).click();
    const configError = page.getByRole('alert').filter({ hasText: 'The config is not valid JSON' });
    await configError.waitFor();
    await expect(config.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(config.evaluate((field) => field === field.ownerDocument.activeElement)).resolves.toBe(true);
    await expect(result.count()).resolves.toBe(0);
    await saveScreenshot(page, 'lifecycle-13-config-not-json');

    await config.fill('["units", "metric"]');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('alert').filter({ hasText: 'The config must be a JSON object' }).waitFor();
    expect(sentRuns).toHaveLength(sentBefore);
    expect(server.talon.skills.runtime.status('thermometer')?.breaker.state).toBe('closed');
  });
});
