import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, decodeUtf8Strict, skillChecksum } from './checksum.ts';

describe('skillChecksum', () => {
  const manifest = {
    name: 'echo',
    version: '1.0.0',
    description: 'd',
    permissions: [],
    limits: { memoryMb: 32 },
  };
  const code = 'export default { run: (ctx) => ctx.input };\n';

  it('is the documented SHA-256 over the format line, canonical manifest and code', () => {
    const expected = createHash('sha256')
      .update(
        'talon-skill-checksum/1\n' +
          '{"description":"d","limits":{"memoryMb":32},"name":"echo","permissions":[],"version":"1.0.0"}\n' +
          code,
      )
      .digest('hex');
    expect(skillChecksum(manifest, code)).toBe(expected);
  });

  it('does not depend on key order or whitespace in skill.json', () => {
    const reordered = JSON.parse(
      '{ "limits": { "memoryMb": 32 },\n "permissions": [], "version": "1.0.0", "name": "echo", "description": "d" }',
    );
    expect(skillChecksum(reordered, code)).toBe(skillChecksum(manifest, code));
  });

  it('changes with any change to the code or the manifest', () => {
    const base = skillChecksum(manifest, code);
    expect(skillChecksum(manifest, `${code} `)).not.toBe(base);
    expect(skillChecksum({ ...manifest, permissions: ['log'] }, code)).not.toBe(base);
  });

  it('cannot be shifted between manifest and code', () => {
    expect(canonicalJson({ a: 'x\ny' })).toBe('{"a":"x\\ny"}');
  });

  it('refuses code that is not UTF-8', () => {
    expect(() => decodeUtf8Strict(new Uint8Array([0xff, 0xfe, 0x41]), 'index.js')).toThrow(
      'index.js is not valid UTF-8 text',
    );
  });
});
