import { createCipheriv } from 'node:crypto';

function reverseBits(byte: number): number {
  let reversed = 0;
  for (let bit = 0; bit < 8; bit += 1) reversed |= ((byte >> bit) & 1) << (7 - bit);
  return reversed;
}

/**
 * The answer to a VNC authentication challenge (RFB 6.2.2): the 16 challenge bytes DES-encrypted with
 * the password (8 bytes, zero-padded) as the key, each key byte's bits reversed as VNC has always
 * done. OpenSSL 3 ships single DES only in its legacy provider; triple DES with the same key three
 * times is single DES (E(D(E(x))) = E(x)), and that one is available.
 */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  if (challenge.length !== 16) throw new Error('a VNC challenge is 16 bytes');
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let index = 0; index < 8; index += 1) key[index] = reverseBits(key[index] ?? 0);
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}
