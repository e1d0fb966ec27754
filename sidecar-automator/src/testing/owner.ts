import type { Page } from 'playwright-core';
import type { TestSite } from './test-site.ts';

/**
 * Acts on the recording's page the way the owner does in the live view: real clicks and key
 * presses (trusted input events), typing character by character, a select changed with the keyboard.
 */
export async function logInAndDownload(page: Page, site: TestSite): Promise<void> {
  await page.getByLabel('Username').click();
  await page.keyboard.type(site.user);
  await page.getByLabel('Password').click();
  await page.keyboard.type(site.password);
  await page.getByLabel('Code').click();
  await page.keyboard.type(site.code);
  await page.getByLabel('Region').focus();
  await page.keyboard.press('ArrowDown'); // Europe → United States
  await page.getByLabel('Remember me').click();
  await page.getByLabel('Code').click();
  await page.keyboard.press('Enter');
  await page.waitForURL('**/reports');
  const download = page.waitForEvent('download');
  await page.frameLocator('iframe').getByRole('button', { name: 'Download report' }).click();
  await download;
}
