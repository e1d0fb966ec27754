import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const FAMILY_WILD = 0xffff;
const MIT_MAGIC_COOKIE = Buffer.from('MIT-MAGIC-COOKIE-1', 'latin1');

function counted(bytes: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * An Xauthority file with one MIT-MAGIC-COOKIE-1 entry that matches any display (family Wild, no
 * address, no display number), so it can be written before Xvfb picks its display number. Without the
 * cookie no local process can connect to the display, see it or type into it.
 */
export function writeXauthority(file: string, cookie: Buffer = randomBytes(16)): Buffer {
  const family = Buffer.alloc(2);
  family.writeUInt16BE(FAMILY_WILD);
  const entry = Buffer.concat([
    family,
    counted(Buffer.alloc(0)),
    counted(Buffer.alloc(0)),
    counted(MIT_MAGIC_COOKIE),
    counted(cookie),
  ]);
  writeFileSync(file, entry, { mode: 0o600 });
  return cookie;
}
