/** The files `talon-skill init <name>` writes: a small skill that shows input, config, a branch and the API. */
export function skillTemplate(name: string): Record<string, string> {
  const manifest = {
    name,
    version: '0.1.0',
    description: `${name}: greets whoever is named in the input.`,
    permissions: ['log'],
    routes: ['on_success', 'on_empty', 'on_error'],
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { greeting: { type: 'string', default: 'Hello' } },
    },
    ui: {
      fields: ['greeting'],
      configScaffold: { greeting: 'Hello' },
      help: 'Input: a name. Output: { message }. Takes on_empty when the name is blank.',
    },
  };
  return {
    'skill.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'src/index.ts': `import { branch, defineSkill } from '@talon/plugins-sdk/skill';

type Config = { greeting?: string };

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const name = typeof input === 'string' ? input.trim() : '';
    if (name === '') return branch('on_empty', { message: 'no name in the input' });
    await api.log.info('greeting someone', { name });
    return { message: \`\${config.greeting ?? 'Hello'}, \${name}!\` };
  },
});
`,
    'src/index.test.ts': `import { describe, expect, it } from 'vitest';
import { loadSkill } from '@talon/plugins-sdk/testing';

// Runs the built index.js in the same sandbox Talon uses: run "talon-skill build" first
// ("talon-skill test" does).
describe('${name}', () => {
  it('greets the name in the input and logs it', async () => {
    const skill = await loadSkill(new URL('..', import.meta.url));
    const outcome = await skill.run({ input: 'Ada', config: { greeting: 'Hi' } });
    expect(outcome).toMatchObject({ ok: true, branch: 'on_success', result: { message: 'Hi, Ada!' } });
    expect(skill.api.calls).toEqual([
      expect.objectContaining({ method: 'log.info', args: ['greeting someone', { name: 'Ada' }] }),
    ]);
    await skill.close();
  });

  it('takes on_empty for a blank name', async () => {
    const skill = await loadSkill(new URL('..', import.meta.url));
    expect(await skill.run({ input: '  ' })).toMatchObject({ ok: true, branch: 'on_empty' });
    await skill.close();
  });
});
`,
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: {
          build: 'talon-skill build',
          check: 'talon-skill check',
          test: 'talon-skill test',
        },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          allowImportingTsExtensions: true,
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\n',
    'README.md': `# ${name}

A Talon skill. \`src/index.ts\` is the code, \`skill.json\` the manifest; \`talon-skill build\` bundles them
into \`index.js\`. To add it to Talon, copy \`skill.json\` and \`index.js\` into \`<SKILLS_DIR>/${name}/\` and
approve it in the admin (Skills → Pending) with a 2FA code.
`,
  };
}
