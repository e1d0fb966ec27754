import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { testPackage } from '@talon/skill-runtime/testing/memory-runtime.ts';
import { startFakeAnthropic } from '../fakes/llm/anthropic.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems, type ExpectedProblem } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const LOCAL_KEY = 'sk-local-llama-0123456789';
const CLAUDE_KEY = 'sk-ant-browser-0123456789';
const CODE_REFUSED_403: ExpectedProblem = { text: /status of 403/, url: /\/api\/llm\/providers/ };

describe('the LLM screens in a real browser', { timeout: 60_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;
  let localModel: FakeLlmServer;
  let claude: FakeLlmServer;

  async function code(): Promise<string> {
    await forgetUsedTotpCodes(server.talon.database.pool);
    return generate({ secret: TOTP_SECRET });
  }

  beforeAll(async () => {
    localModel = await startFakeOpenAi(LOCAL_KEY);
    claude = await startFakeAnthropic(CLAUDE_KEY);
    // First boot with an OpenAI-compatible server on this machine: seeded as a local provider.
    server = await startTalonUnderTest({
      env: { OPENAI_API_KEY: LOCAL_KEY, OPENAI_BASE_URL: `${localModel.url}/v1`, OPENAI_MODEL: 'llama3.2' },
    });
    // 2FA as enrolment leaves it (the enrolment screens have their own tests).
    await server.talon.settings.set('auth.totp.secret', TOTP_SECRET);
    await server.talon.settings.set('auth.totp.enabled', true);
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await Promise.all([localModel?.close(), claude?.close()]);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await saveScreenshot(page, `failed-${task.name.slice(0, 40)}`);
    expect(problems.takeUnexpected()).toEqual([]);
  });

  it('lists the provider seeded from OPENAI_*, local, its key masked and never in the page; Test asks it', async () => {
    await page.getByRole('link', { name: 'LLM' }).click();
    await page.waitForURL(`${server.url}/llm/providers`);
    const row = page.getByTestId('provider-openai');
    await expect.poll(() => row.textContent()).toMatch(/Local OpenAI-compatible.*llama3\.2.*local.*local/s);
    await expect.poll(() => row.getByTestId('key').textContent()).toBe('sk-l********6789');
    expect(await page.content()).not.toContain(LOCAL_KEY);
    localModel.script({ answer: 'OK' });
    await row.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => page.getByTestId('test-openai').textContent()).toMatch(/Answered “OK” in \d+ ms/);
    expect(localModel.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${LOCAL_KEY}`);
    await saveScreenshot(page, 'llm-01-providers');
  });

  it('adds a remote provider only with a right 2FA code; its key is shown masked', async () => {
    await page.getByRole('button', { name: 'Add provider' }).click();
    const form = page.getByTestId('provider-form');
    await form.getByLabel('Id').fill('claude');
    await form.getByLabel('Name').fill('Claude');
    await form.locator('select[name="kind"]').selectOption('anthropic');
    await form.getByLabel('Model').fill('claude-test');
    await form.getByLabel('Base URL').fill(claude.url);
    await form.getByLabel('Tier').selectOption('medium');
    await form.getByLabel('Where prompts go').selectOption('remote');
    await form.getByLabel('API key').fill(CLAUDE_KEY);
    await expect
      .poll(() => form.getByTestId('code-hint').textContent())
      .toContain('changes where your prompts go');
    await form
      .getByLabel('2FA code')
      .fill((await generate({ secret: TOTP_SECRET })) === '000000' ? '111111' : '000000');
    await form.getByRole('button', { name: 'Add provider' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/2FA code is wrong/);
    expect(problems.takeUnexpected([CODE_REFUSED_403])).toEqual([]);
    await expect.poll(() => page.getByTestId('provider-claude').count()).toBe(0);

    await form.getByLabel('2FA code').fill(await code());
    await form.getByRole('button', { name: 'Add provider' }).click();
    const row = page.getByTestId('provider-claude');
    await expect.poll(() => row.getByTestId('key').textContent()).toBe('sk-a********6789');
    await expect.poll(() => row.textContent()).toMatch(/remote/);
    expect(await page.content()).not.toContain(CLAUDE_KEY);
  });

  it('a failing provider test says why', async () => {
    claude.script({ status: 500, message: 'Overloaded' });
    await page.getByTestId('provider-claude').getByRole('button', { name: 'Test' }).click();
    await expect
      .poll(() => page.getByTestId('test-claude').textContent())
      .toMatch(/Test failed: the provider answered 500/);
  });

  it('edits the tier without a code, and a new key only with one', async () => {
    await page.getByTestId('provider-claude').getByRole('button', { name: 'Edit' }).click();
    let form = page.getByTestId('provider-form');
    await form.getByLabel('Tier').selectOption('heavy');
    await expect.poll(() => form.getByLabel('2FA code').count()).toBe(0);
    await form.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.getByTestId('provider-claude').textContent()).toMatch(/heavy/);

    await page.getByTestId('provider-claude').getByRole('button', { name: 'Edit' }).click();
    form = page.getByTestId('provider-form');
    await form.getByLabel('API key').fill('sk-ant-rotated-9876543210');
    await form.getByLabel('2FA code').fill(await code());
    await form.getByRole('button', { name: 'Save provider' }).click();
    await expect
      .poll(() => page.getByTestId('provider-claude').getByTestId('key').textContent())
      .toBe('sk-a********3210');
    await saveScreenshot(page, 'llm-02-providers-edited');
  });

  it('shows requests, tokens and errors per provider for today', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.waitForURL(`${server.url}/llm/usage`);
    const today = new Date().toISOString().slice(0, 10);
    const local = page.getByTestId(`usage-${today}-openai`);
    await expect.poll(() => local.textContent()).toMatch(/Local OpenAI-compatible\s*1\s*\d+\s*\d+\s*0$/);
    await expect
      .poll(() => page.getByTestId(`usage-${today}-claude`).textContent())
      .toMatch(/Claude\s*1\s*0\s*0\s*1$/);
    await expect
      .poll(() => page.getByTestId('total-claude').textContent())
      .toMatch(/Total\s*Claude\s*1\s*0\s*0\s*1/);
    await saveScreenshot(page, 'llm-03-usage');
  });

  it('the workflow editor shows which providers a step with the llm permission may reach, and local-only narrows it', async () => {
    await server.talon.skills.runtime.install(
      testPackage(
        { name: 'summariser', permissions: ['llm'] },
        'export default { async run({ input }) { return { result: input }; } };',
      ),
    );
    await page.goto(`${server.url}/workflows/new`);
    const reach = page.getByTestId('llm-reach');
    await expect.poll(() => reach.getByTestId('reach-none').textContent()).toContain('reaches no model');
    await page.getByLabel("New step's skill").selectOption('summariser');
    await page.getByRole('button', { name: 'Add step' }).click();
    await reach.getByTestId('reach-claude').waitFor();
    await reach.getByTestId('reach-openai').waitFor();
    await expect.poll(() => reach.textContent()).toContain('Remote providers are third parties');

    await reach.getByLabel('Local providers only').check();
    await reach.getByTestId('reach-claude').waitFor({ state: 'detached' });
    await expect
      .poll(() => reach.getByTestId('reach-openai').textContent())
      .toMatch(/local\s*Local OpenAI-compatible/);

    // Naming the remote provider for the step, under local-only, is shown as a problem.
    await page.getByTestId('step-llm').getByLabel('LLM provider').selectOption('claude');
    await expect.poll(() => reach.getByRole('alert').textContent()).toContain('"claude" is remote');
    await saveScreenshot(page, 'llm-04-workflow-reach');
  });

  it('removes a provider and its key', async () => {
    await page.goto(`${server.url}/llm/providers`);
    const row = page.getByTestId('provider-claude');
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Really remove' }).click();
    await row.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Removed Claude and its key.');
    expect(server.talon.settings.has('llm.provider.claude.api_key')).toBe(false);
  });
});
