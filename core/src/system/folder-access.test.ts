import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderInTheWay, NEW_ACCOUNT, systemAccount, type SystemAccount } from './folder-access.ts';

const root = mkdtempSync(path.join(tmpdir(), 'talon-folder-access-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STRANGER: SystemAccount = { uid: 54_321, gid: 54_321, groups: [] };
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** `<root>/<name>/inner/data` with `<root>/<name>` at `mode`. */
function tree(name: string, mode: number): { outer: string; target: string } {
  const outer = path.join(root, name);
  const target = path.join(outer, 'inner', 'data');
  mkdirSync(target, { recursive: true });
  chmodSync(outer, mode);
  return { outer, target };
}

describe('folderInTheWay', () => {
  it('lets an account through folders that others may enter', () => {
    expect(folderInTheWay(STRANGER, tree('open', 0o755).target)).toBeUndefined();
    expect(folderInTheWay(STRANGER, tree('search-only', 0o711).target)).toBeUndefined();
  });

  it('names the first folder the account cannot enter (a checkout under /root, say)', () => {
    const { outer, target } = tree('private', 0o700);
    expect(folderInTheWay(STRANGER, target)).toBe(outer);
    expect(folderInTheWay(NEW_ACCOUNT, target)).toBe(outer);
  });

  it('checks the folders that exist on the way to one that does not exist yet', () => {
    const { outer } = tree('not-yet', 0o700);
    expect(folderInTheWay(STRANGER, path.join(outer, 'inner', 'data', 'postgres', 'more'))).toBe(outer);
    expect(folderInTheWay(STRANGER, path.join(tree('not-yet-open', 0o755).target, 'x', 'y'))).toBeUndefined();
  });

  it('follows a symbolic link to the folders the kernel really checks', () => {
    const { target } = tree('behind-link', 0o700);
    const link = path.join(root, 'link-to-private');
    symlinkSync(target, link);
    expect(folderInTheWay(STRANGER, link)).toBe(path.join(root, 'behind-link'));
  });

  it.skipIf(!asRoot)('applies the owner and group bits, supplementary groups included', () => {
    const { outer, target } = tree('group-only', 0o710);
    chownSync(outer, 0, 4242);
    expect(folderInTheWay(STRANGER, target)).toBe(outer);
    expect(folderInTheWay({ ...STRANGER, groups: [4242] }, target)).toBeUndefined();
    expect(folderInTheWay({ ...STRANGER, gid: 4242 }, target)).toBeUndefined();
    const owned = tree('owner-only', 0o700);
    chownSync(owned.outer, STRANGER.uid, 0);
    expect(folderInTheWay(STRANGER, owned.target)).toBeUndefined();
  });
});

describe('systemAccount', () => {
  it('reads an account and its supplementary groups from the passwd and group files', async () => {
    const { writeFileSync } = await import('node:fs');
    const passwd = path.join(root, 'passwd');
    const group = path.join(root, 'group');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\npostgres:x:101:104::/var/lib/postgresql:/bin/sh\n');
    writeFileSync(group, 'postgres:x:104:\nssl-cert:x:103:postgres,www\nother:x:7:www\n');
    expect(systemAccount('postgres', { passwd, group })).toEqual({ uid: 101, gid: 104, groups: [103] });
    expect(systemAccount('nobody-here', { passwd, group })).toBeUndefined();
  });
});
