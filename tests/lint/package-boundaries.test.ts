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

  it('keeps skills and the SDK off the host, and the host off the SDK, even by package name', async () => {
    expect(
      await boundaryFindings(
        'plugins/core-skills.test.ts',
        "import { readCoreSkills } from '@talon/core/skills/core-skills.ts';\n",
      ),
    ).toEqual([
      '"@talon/core/skills/core-skills.ts": plugins/ may not import @talon/core (skills and the SDK build on @talon/skill-runtime; the host never on the SDK)',
    ]);
    expect(
      await boundaryFindings(
        'plugins-sdk/src/example.ts',
        "export { TalonError } from '@talon/core/errors.ts';\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryFindings('core/src/example.ts', "export { defineSkill } from '@talon/plugins-sdk';\n"),
    ).toHaveLength(1);
    expect(
      await boundaryFindings(
        'tests/example.test.ts',
        "export { TalonError } from '@talon/core/errors.ts';\n",
      ),
    ).toEqual([]);
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
