import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as limits from './limits.ts';

const README = new URL('./sandbox/README.md', import.meta.url);

/** The rows of the README's limits table that name a constant: `GROUP.key` and the value column. */
async function documentedLimits(): Promise<{ name: string; value: string }[]> {
  const text = await readFile(README, 'utf8');
  const table = text.slice(text.indexOf('## Limits, and who enforces each'));
  const rows: { name: string; value: string }[] = [];
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([A-Z_]+\.[A-Za-z]+)`/.exec(cells[1] ?? '')?.[1];
    if (name !== undefined) rows.push({ name, value: cells[2] ?? '' });
  }
  return rows;
}

function valueOf(name: string): unknown {
  const [group, key] = name.split('.') as [string, string];
  return (limits as unknown as Record<string, Record<string, unknown> | undefined>)[group]?.[key];
}

describe("the sandbox README's limits table", () => {
  it('shows the value limits.ts defines for every limit it names', async () => {
    const rows = await documentedLimits();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const documented = Number(/^\d+/.exec(row.value)?.[0]);
      expect(valueOf(row.name), `${row.name} is not in limits.ts`).toBeTypeOf('number');
      expect(documented, `${row.name}: README says "${row.value}"`).toBe(valueOf(row.name));
    }
  });

  it('documents every limit of a call', async () => {
    const documented = new Set((await documentedLimits()).map((row) => row.name));
    const missing = Object.keys(limits.RUNTIME_LIMITS)
      .map((key) => `RUNTIME_LIMITS.${key}`)
      .filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
