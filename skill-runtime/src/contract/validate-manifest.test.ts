import { describe, expect, it } from 'vitest';
import { formatManifestProblems, parseManifest, validateManifest } from './validate-manifest.ts';
import { checkSkillConfig } from './config-check.ts';

const valid = {
  name: 'weather_report',
  version: '1.2.0',
  description: 'Fetches the weather',
  permissions: ['http', 'secrets', 'log'],
  net: ['api.weather.example'],
  secrets: ['weather.api_key'],
};

function problemsOf(manifest: unknown, kind?: 'core' | 'dynamic'): string {
  const result = validateManifest(manifest, kind ? { kind } : {});
  if (result.ok) throw new Error('expected the manifest to be refused');
  return formatManifestProblems(result.problems);
}

describe('validateManifest', () => {
  it('accepts a complete manifest and returns it typed', () => {
    const result = validateManifest(valid);
    expect(result).toEqual({ ok: true, manifest: valid });
  });

  it('names a missing required field', () => {
    const { description: _description, ...rest } = valid;
    expect(problemsOf(rest)).toBe('description: is required');
  });

  it('names an unknown field at any depth', () => {
    expect(problemsOf({ ...valid, premissions: [] })).toBe(
      'premissions: is not a known field (check the spelling)',
    );
    expect(problemsOf({ ...valid, limits: { memoryMB: 64 } })).toBe(
      'limits.memoryMB: is not a known field (check the spelling)',
    );
  });

  it('refuses an unknown permission and lists the known ones', () => {
    const message = problemsOf({ ...valid, permissions: ['log', 'filesystem'] });
    expect(message).toMatch(/^permissions\[1\]: "filesystem" is not a known permission \(known: log, http,/);
  });

  it('explains a bad name, version and host in words', () => {
    expect(problemsOf({ ...valid, name: 'Weather' })).toMatch(
      /^name: "Weather" must be 2–64 characters of lower-case/,
    );
    expect(problemsOf({ ...valid, version: 'v1' })).toBe(
      'version: "v1" must be a semantic version such as "1.0.0"',
    );
    expect(problemsOf({ ...valid, net: ['https://api.weather.example/'] })).toMatch(
      /^net\[0\]: "https:\/\/api.weather.example\/" must be a lower-case host name/,
    );
  });

  it('takes "*" alone in net (any public host), never as a pattern piece or a secret\'s host', () => {
    expect(validateManifest({ ...valid, secrets: [], net: ['*'] })).toMatchObject({ ok: true });
    expect(problemsOf({ ...valid, net: ['*:8080'] })).toMatch(/^net\[0\]: "\*:8080" must be/);
    expect(problemsOf({ ...valid, net: ['api.*.example'] })).toMatch(/^net\[0\]: /);
    expect(
      problemsOf({
        ...valid,
        net: ['*'],
        secrets: [{ handle: 'weather.api_key', hosts: ['*'], in: 'header', name: 'authorization' }],
      }),
    ).toMatch(/^secrets\[0\]\.hosts\[0\]: "\*" must be a lower-case host name/);
  });

  it('says what type was expected and what was found', () => {
    expect(problemsOf({ ...valid, external: 'yes' })).toBe('external: must be a boolean (got "yes")');
  });

  it('keeps limits within the host maxima', () => {
    expect(problemsOf({ ...valid, limits: { memoryMb: 4096 } })).toBe(
      'limits.memoryMb: must be at most 1024 (got number 4096)',
    );
  });

  it('reports every problem at once', () => {
    const result = validateManifest({ name: 'x', version: '1', permissions: 'all' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.map((p) => p.field).sort()).toEqual([
        'description',
        'name',
        'permissions',
        'version',
      ]);
  });

  it('reserves shell and automation for core skills', () => {
    const manifest = { ...valid, permissions: ['shell'], net: undefined, secrets: undefined };
    expect(problemsOf(manifest)).toBe(
      'permissions[0]: "shell" is reserved for the core skills shipped with Talon',
    );
    expect(validateManifest(manifest, { kind: 'core' }).ok).toBe(true);
  });

  it('ties net to http and secrets to the secrets permission', () => {
    expect(problemsOf({ ...valid, permissions: ['secrets'] })).toBe(
      'net: lists hosts, but "permissions" does not ask for "http"',
    );
    expect(problemsOf({ ...valid, permissions: ['http'] })).toBe(
      'secrets: lists secret handles, but "permissions" does not ask for "secrets"',
    );
    expect(problemsOf({ ...valid, net: [] })).toBe(
      'net: must list the hosts "http" may reach (it asks for "http")',
    );
  });

  it('refuses a configSchema that is not a JSON Schema', () => {
    expect(problemsOf({ ...valid, configSchema: { type: 'objekt' } })).toMatch(
      /^configSchema: is not a valid JSON Schema/,
    );
  });

  it('says when skill.json is not JSON, and when it is not an object', () => {
    const result = parseManifest('{ "name": ');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/^skill.json is not valid JSON/);
    expect(problemsOf([])).toBe('(manifest): must be a JSON object (got an array)');
  });

  it('checks the editor hints against the config schema they describe', () => {
    const configSchema = {
      type: 'object',
      additionalProperties: false,
      properties: { units: { enum: ['metric', 'imperial'] } },
    };
    expect(
      problemsOf({
        ...valid,
        configSchema,
        ui: {
          fields: ['units', 'colour'],
          configScaffold: { units: 'kelvin' },
          presets: [
            { name: 'ok', config: { units: 'metric' } },
            { name: 'bad', config: { speed: 1 } },
          ],
        },
      }),
    ).toBe(
      'ui.fields[1]: "colour" is not a property of configSchema; ' +
        'ui.configScaffold: does not fit configSchema: units must be equal to one of the allowed values; ' +
        'ui.presets[1].config: does not fit configSchema: must NOT have additional properties',
    );
    expect(problemsOf({ ...valid, ui: { fields: ['units'] } })).toBe(
      'ui.fields: names config fields, but there is no "configSchema" to define them',
    );
  });
});

describe('a configSchema from a hostile author', () => {
  const catastrophic = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };

  it('is decided on linear-time regular expressions: `^(a+)+$` against 50 characters returns', () => {
    // With V8's backtracking engine this never returns (2^50 paths); RE2 decides it at once.
    const input = `${'a'.repeat(50)}!`;
    const parsed = parseManifest(
      JSON.stringify({
        name: 'hostile_schema',
        version: '1.0.0',
        description: 'catastrophic backtracking',
        permissions: [],
        configSchema: catastrophic,
        ui: { configScaffold: { name: input } },
      }),
    );
    expect(parsed).toMatchObject({
      ok: false,
      problems: [{ field: 'ui.configScaffold', message: expect.stringContaining('must match pattern') }],
    });
    expect(
      checkSkillConfig({ name: 'hostile_schema', configSchema: catastrophic }, { name: input }),
    ).toHaveLength(1);
    expect(
      checkSkillConfig({ name: 'hostile_schema', configSchema: catastrophic }, { name: 'aaaa' }),
    ).toEqual([]);
  });

  it('is refused when it needs what RE2 does not do, or is too big or too deep', () => {
    const manifest = (configSchema: unknown) =>
      JSON.stringify({
        name: 'odd_schema',
        version: '1.0.0',
        description: 'x',
        permissions: [],
        configSchema,
      });
    expect(parseManifest(manifest({ type: 'string', pattern: '^(a)\\1$' }))).toMatchObject({
      ok: false,
      problems: [{ field: 'configSchema', message: expect.stringContaining('is not a valid JSON Schema') }],
    });
    const huge = { type: 'object', description: 'x'.repeat(70 * 1024) };
    expect(parseManifest(manifest(huge))).toMatchObject({
      ok: false,
      problems: [
        {
          field: 'configSchema',
          message: expect.stringMatching(/bytes of JSON, more than the 65536 allowed/),
        },
      ],
    });
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 40; level++) deep = { type: 'object', properties: { a: deep } };
    expect(parseManifest(manifest(deep))).toMatchObject({
      ok: false,
      problems: [{ field: 'configSchema', message: 'nests deeper than 32 levels' }],
    });
  });
});
