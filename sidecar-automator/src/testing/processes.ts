import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Every process descended from `root` (this test process by default), read from /proc. */
export function descendants(root = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may hold spaces; the parent id is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() ?? -1) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`, 'utf8'));
      if (match?.[1]) inodes.add(match[1]);
    }
  } catch {
    // gone, or not ours to read
  }
  return inodes;
}

function decodeAddress(hex: string): string {
  const [address = '', port = ''] = hex.split(':');
  const portNumber = parseInt(port, 16);
  if (address.length === 8) {
    const bytes =
      address
        .match(/../g)
        ?.map((byte) => parseInt(byte, 16))
        .reverse() ?? [];
    return `${bytes.join('.')}:${portNumber}`;
  }
  const words = (address.match(/.{8}/g) ?? []).map((word) => (word.match(/../g) ?? []).reverse().join(''));
  return `[${words.join('').match(/.{4}/g)?.join(':') ?? ''}]:${portNumber}`;
}

export interface ListeningSocket {
  pid: number;
  command: string;
  /** `127.0.0.1:6900`, `[0000:…:0001]:5900`. */
  local: string;
  loopback: boolean;
}

/**
 * The TCP sockets in LISTEN state that the given processes hold, read from each process's own view
 * of /proc/net/tcp and tcp6 (so a process in another network namespace is read in its own).
 */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
  const found: ListeningSocket[] = [];
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    if (inodes.size === 0) continue;
    for (const table of ['tcp', 'tcp6']) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        const [, local = '', , state, , , , , , inode = ''] = fields;
        if (state !== '0A' || !inodes.has(inode)) continue;
        const address = decodeAddress(local);
        const loopback =
          address.startsWith('127.') || address.startsWith('[0000:0000:0000:0000:0000:0000:0000:0001]');
        found.push({ pid, command: commandLine(pid).slice(0, 80), local: address, loopback });
      }
    }
  }
  return found;
}
