import { describe, expect, it } from 'vitest';
import { formatBundleProblems, scanBundle } from './bundle-scan.ts';

async function refusal(code: string): Promise<string> {
  const scan = await scanBundle(code);
  expect(scan.ok).toBe(false);
  return formatBundleProblems(scan.problems);
}

describe('scanBundle', () => {
  it('accepts a self-contained module with a default export', async () => {
    const scan = await scanBundle('const x = 1;\nexport default { run(ctx) { return ctx.input + x; } };\n');
    expect(scan).toEqual({ ok: true, problems: [], hasDefaultExport: true });
  });

  it('refuses imports of every kind', async () => {
    expect(await refusal('import fs from "node:fs";\nexport default { run() { return fs; } };')).toContain(
      'imports "node:fs": index.js must be one self-contained bundle',
    );
    expect(await refusal('export default { run() { return import("./x.js"); } };')).toContain(
      'dynamically imports "./x.js"',
    );
    expect(
      await refusal('const cp = require("child_process");\nexport default { run() { return cp; } };'),
    ).toContain('calls require() for "child_process"');
  });

  it('refuses dynamic code and says where it is', async () => {
    expect(await refusal('export default {\n  run(ctx) { return eval(ctx.input); } };')).toBe(
      'index.js:2:21 calls eval(): dynamic code is not allowed',
    );
    expect(await refusal('export default { run(ctx) { return new Function("return 1")(); } };')).toContain(
      'builds a function from a string',
    );
  });

  it('does not mistake a comment for code', async () => {
    const scan = await scanBundle('// never call eval( here\nexport default { run() { return 1; } };');
    expect(scan.ok).toBe(true);
  });

  it('requires a default export', async () => {
    expect(await refusal('export const run = () => 1;')).toContain('has no default export');
  });

  it('reports a syntax error with its position', async () => {
    expect(await refusal('export default { run( { };')).toMatch(/^index.js:1:\d+ is not valid JavaScript/);
  });
});
