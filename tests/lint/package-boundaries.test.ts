import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

/** The boundary rule's findings for `code` as if it were the file at `file` (relative to the root). */
async function boundaryFindings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'talon/no-relative-import-across-packages')
    .map((message) => message.message);
}

describe('the lint rule that keeps packages apart', () => {
  it('refuses a relative import from one package into another, naming both', async () => {
    expect(
      await boundaryFindings(
        'plugins-sdk/src/example.ts',
        "export { TalonError } from '../../core/src/errors.ts';\n",
      ),
    ).toEqual([
      '"../../core/src/errors.ts" leaves the package plugins-sdk for core: import it by package name instead',
    ]);
    expect(
      await boundaryFindings(
        'core/src/example.ts',
        "export type { JsonValue } from '../../skill-runtime/src/contract/json.ts';\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryFindings(
        'tests/example.test.ts',
        "export const load = () => import('../core/src/main.ts');\n",
      ),
    ).toHaveLength(1);
  });

  it('allows relative imports inside a package and imports by package name', async () => {
    expect(
      await boundaryFindings('core/src/skills/example.ts', "export { TalonError } from '../errors.ts';\n"),
    ).toEqual([]);
    expect(
      await boundaryFindings(
        'core/src/example.ts',
        "export type { JsonValue } from '@talon/skill-runtime/contract/json.ts';\n",
      ),
    ).toEqual([]);
  });
});
