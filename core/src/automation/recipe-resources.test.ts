import { sql } from 'slonik';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import { createAppServices, type AppServices } from '../app-services.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { newTotpSecret, totpCodeAt } from '../auth/totp.ts';
import { loadSettings } from '../boot.ts';
import { loadConfig } from '../config/env.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { forgetUsedTotpCodes } from '../testing/admin-session.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { RecipeResources } from './recipe-resources.ts';
import { RecipeStore } from './recipe-store.ts';

const SECRET_KEY_BASE = 'recipe-resources-test-key-base-0123456789abc';
const logger = createLogger('silent');
const owner = { actor: 'admin', source: '127.0.0.1', session: 'session-a' };
let db: TestDatabase;
let settings: SettingsStore;
let services: AppServices;
let resources: RecipeResources;
let totpSecret: string;

function draft(overrides: Partial<Recipe> = {}): Recipe {
  return {
    version: 1,
    name: 'monthly-report',
    startUrl: 'https://reports.example.com/login',
    viewport: { width: 1280, height: 800 },
    allowedDomains: ['reports.example.com'],
    allowedPrivateAddresses: [],
    stepTimeoutMs: 30_000,
    secrets: [{ handle: 'password' }],
    parameters: [],
    steps: [
      {
        type: 'fill',
        target: { page: 0, frames: [], locators: [{ kind: 'label', label: 'Password' }] },
        value: { secret: 'password' },
      },
      {
        type: 'click',
        target: { page: 0, frames: [], locators: [{ kind: 'role', role: 'button', name: 'Sign in' }] },
      },
    ],
    ...overrides,
  };
}

async function code(): Promise<string> {
  await forgetUsedTotpCodes(db.pool);
  return totpCodeAt(totpSecret, Date.now() / 1000);
}

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY_BASE });
  settings = await loadSettings(db.pool, new SettingsCipher(SECRET_KEY_BASE), config, logger);
  const audit = new AuditLog(db.pool, logger);
  services = createAppServices({ config, logger, pool: db.pool, settings, audit });
  resources = new RecipeResources({
    store: new RecipeStore(db.pool),
    settings,
    stepUp: services.stepUp,
    audit,
  });
});
afterAll(async () => {
  services?.stop();
  await db?.drop();
});

describe('recipes as resources', () => {
  let id: string;

  it("saves a recording's draft with an empty, encrypted setting per secret handle; a taken name gets a suffix", async () => {
    const record = await resources.importDraft(draft(), [], '6a2f3c4d-0000-4000-8000-000000000001');
    id = record.id;
    expect(record).toMatchObject({ name: 'monthly-report', status: 'draft', version: 1 });
    expect(resources.secrets(record)).toEqual([
      { handle: 'password', description: null, settingKey: 'automation.secret.monthly_report.password', set: false },
    ]);
    expect(settings.isSensitive('automation.secret.monthly_report.password')).toBe(true);
    // A second recording of the same name, and one whose settings name would collide, get their own.
    const again = await resources.importDraft(draft(), [], '6a2f3c4d-0000-4000-8000-000000000002');
    expect(again.name).toBe('monthly-report-2');
    const underscore = await resources.importDraft(draft({ name: 'monthly_report' }), [], '6a2f3c4d-0000-4000-8000-000000000003');
    // monthly_report-2 would share monthly-report-2's settings (monthly_report_2): the next free one.
    expect(underscore.name).toBe('monthly_report-3');
    await resources.delete(again.id, owner);
    await resources.delete(underscore.id, owner);
  }); // prettier-ignore

  it('refuses to replay a secret that is not set, by name, and reads one once it is (stored encrypted)', async () => {
    const record = await resources.store.get(id);
    expect(() => resources.secretValues(record)).toThrow(
      'needs these secrets set first (Automations screen): password (automation.secret.monthly_report.password)',
    );
    await settings.set('automation.secret.monthly_report.password', 'hunter2-correct');
    expect(resources.secretValues(record)).toEqual({ password: 'hunter2-correct' });
    const stored = await db.pool.oneFirst(
      sql.type(
        z.object({ value: z.string() }),
      )`SELECT value FROM settings WHERE key = 'automation.secret.monthly_report.password'`,
    );
    expect(stored).toMatch(/^enc:/);
  });

  it('saves only what parseRecipe accepts, naming the field, and never under another name', async () => {
    const record = await resources.store.get(id);
    await expect(
      resources.save(id, { version: record.version, recipe: { ...draft(), stepTimeoutMs: 5 } }, owner),
    ).rejects.toMatchObject({ code: 'recipe_invalid', message: expect.stringContaining('stepTimeoutMs must be >= 100') });
    await expect(
      resources.save(id, { version: record.version, recipe: draft({ name: 'other' }) }, owner),
    ).rejects.toMatchObject({ code: 'recipe_name_fixed' });
    expect((await resources.store.get(id)).version).toBe(1);
  }); // prettier-ignore

  it('edits steps without a code, before 2FA is enrolled changes its reach too', async () => {
    const edited = await resources.save(
      id,
      { version: 1, recipe: draft({ stepTimeoutMs: 10_000, allowedDomains: ['reports.example.com', 'cdn.example.com'] }) },
      owner,
    );
    expect(edited).toMatchObject({ version: 2, recipe: { stepTimeoutMs: 10_000 } });
  }); // prettier-ignore

  describe('once 2FA is enrolled', () => {
    beforeAll(async () => {
      totpSecret = newTotpSecret();
      await settings.set('auth.totp.secret', totpSecret);
      await settings.set('auth.totp.enabled', true);
    });

    it('still edits steps without a code', async () => {
      const record = await resources.store.get(id);
      const edited = await resources.save(id, { version: record.version, recipe: { ...record.recipe, stepTimeoutMs: 20_000 } }, owner);
      expect(edited.recipe.stepTimeoutMs).toBe(20_000);
    }); // prettier-ignore

    it('needs a code to change the start URL, the allowlist or the secret handles; a wrong one changes nothing', async () => {
      const changes: Partial<Recipe>[] = [
        { startUrl: 'https://reports.example.com/other' },
        { allowedDomains: ['reports.example.com', 'evil.example'] },
        { allowedPrivateAddresses: ['10.0.0.0/8'] },
        { secrets: [{ handle: 'password' }, { handle: 'pin' }] },
      ];
      for (const change of changes) {
        const record = await resources.store.get(id);
        const next = { ...record.recipe, ...change };
        await expect(resources.save(id, { version: record.version, recipe: next }, owner)).rejects.toMatchObject({ code: 'totp_required' });
        await expect(resources.save(id, { version: record.version, recipe: next, totpCode: '000000' }, owner)).rejects.toMatchObject({ code: 'totp_invalid' });
        expect((await resources.store.get(id)).version).toBe(record.version);
      }
      const record = await resources.store.get(id);
      const next = { ...record.recipe, secrets: [{ handle: 'pin' }], steps: [] };
      const saved = await resources.save(id, { version: record.version, recipe: next, totpCode: await code() }, owner);
      expect(saved.recipe.secrets).toEqual([{ handle: 'pin' }]);
      // The dropped handle's secret is gone; the new one waits to be set.
      expect(settings.has('automation.secret.monthly_report.password')).toBe(false);
      expect(resources.secrets(saved)).toMatchObject([{ handle: 'pin', set: false }]);
    }); // prettier-ignore

    it('approves a draft for workflows only with a code, bound to its version', async () => {
      const record = await resources.store.get(id);
      await expect(resources.approve(id, { version: record.version }, owner)).rejects.toMatchObject({ code: 'totp_required' });
      await expect(resources.approve(id, { version: record.version - 1, totpCode: await code() }, owner)).rejects.toMatchObject({ code: 'recipe_changed' });
      const approved = await resources.approve(id, { version: record.version, totpCode: await code() }, owner);
      expect(approved).toMatchObject({ status: 'ready', version: record.version + 1 });
      expect(approved.reviewedAt).not.toBeNull();
    }); // prettier-ignore

    it('keeps a session only when asked, encrypted, and forgets it when the owner turns that off', async () => {
      let record = await resources.store.get(id);
      expect(resources.session(record)).toBeUndefined();
      record = await resources.save(id, { version: record.version, recipe: record.recipe, keepSession: true }, owner);
      const state = { cookies: [{ name: 'session', value: 'abc123-cookie', domain: 'reports.example.com', path: '/', expires: -1, httpOnly: true, secure: true, sameSite: 'Lax' as const }], origins: [] };
      await resources.keepSession(record, state);
      expect(resources.session(record)).toEqual(state);
      const stored = await db.pool.oneFirst(
        sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = 'automation.session.monthly_report'`,
      );
      expect(stored).toMatch(/^enc:/);
      expect(stored).not.toContain('abc123-cookie');
      const forgotten = await resources.save(id, { version: record.version, recipe: record.recipe, keepSession: false }, owner);
      expect(settings.has('automation.session.monthly_report')).toBe(false);
      expect(resources.session(forgotten)).toBeUndefined();
    }); // prettier-ignore

    it('deletes a recipe with its secrets and session', async () => {
      await settings.set('automation.secret.monthly_report.pin', '4242');
      await resources.delete(id, owner);
      await expect(resources.store.get(id)).rejects.toMatchObject({ code: 'recipe_not_found' });
      expect(settings.list().filter((setting) => setting.key.startsWith('automation.'))).toEqual([]);
    });
  });
});
