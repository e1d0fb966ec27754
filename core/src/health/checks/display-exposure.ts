import { readFile } from 'node:fs/promises';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';
import { ipScope } from '../network-address.ts';

const CHECK = 'display.exposure';

/**
 * The ports of remote displays: VNC (5900–5999, RFB's display :N) and X11 (6000–6063, display :N).
 * Talon's sidecar opens neither — Xvfb and x11vnc listen on Unix sockets only, the admin proxies the
 * live view — so any listener here on a non-loopback address was opened by something else, and
 * whoever reaches it may see or drive a screen.
 */
const DISPLAY_PORTS: readonly { from: number; to: number; kind: string }[] = [
  { from: 5900, to: 5999, kind: 'VNC server' },
  { from: 6000, to: 6063, kind: 'X server' },
];

/** A TCP socket in the LISTEN state, as /proc/net/tcp{,6} lists it. */
export interface TcpListener {
  address: string;
  port: number;
}

const LISTEN_STATE = '0A';

/** /proc/net/tcp writes each 32-bit word of an address in the host's byte order (little-endian here). */
function wordToBytes(hex: string): number[] {
  const bytes = hex.match(/../g)!.map((pair) => Number.parseInt(pair, 16));
  return bytes.reverse();
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) return wordToBytes(hex).join('.');
  const bytes = hex.match(/.{8}/g)!.flatMap(wordToBytes);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const full = groups.join(':');
  // The forms ipScope reads: ::, ::1, ::ffff:a.b.c.d, or the full eight groups.
  if (/^0:0:0:0:0:ffff:/.test(full)) return `::ffff:${bytes.slice(12).join('.')}`;
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  return full;
}

/** The listening sockets in the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string): TcpListener[] {
  const listeners: TcpListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state] = [fields[1], fields[3]];
    if (!local || state !== LISTEN_STATE) continue;
    const [hexAddress, hexPort] = local.split(':') as [string, string];
    listeners.push({ address: decodeAddress(hexAddress), port: Number.parseInt(hexPort, 16) });
  }
  return listeners;
}

async function listenersOnThisMachine(): Promise<TcpListener[] | undefined> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => undefined)),
  );
  if (tables.every((table) => table === undefined)) return undefined;
  return tables.flatMap((table) => (table === undefined ? [] : parseProcNetTcp(table)));
}

/** Remote displays reachable from beyond this machine. */
export function exposedDisplays(listeners: readonly TcpListener[]): Finding[] {
  const findings: Finding[] = [];
  for (const listener of listeners) {
    const range = DISPLAY_PORTS.find(({ from, to }) => listener.port >= from && listener.port <= to);
    const scope = ipScope(listener.address);
    if (!range || scope === 'loopback') continue;
    const where = listener.address.includes(':') ? `[${listener.address}]` : listener.address;
    findings.push({
      check: CHECK,
      severity: 'critical',
      title: `A ${range.kind} listens on ${where}:${listener.port}${scope === 'unspecified' ? ' (every interface)' : ''}`,
      detail: `Whoever reaches this port may see and drive a screen of this machine — with a browser and its logins, if it is the sidecar's. Talon's sidecar listens on Unix sockets only; this one was started some other way.`,
      fix: `Stop it, or make it listen on 127.0.0.1 only (x11vnc -localhost, Xvfb -nolisten tcp); the admin's live view needs no open port`,
    });
  }
  return findings;
}

export const displayExposureCheck: DoctorCheck = {
  id: CHECK,
  title: 'VNC and X11 servers reachable from beyond this machine',
  async run() {
    const listeners = await listenersOnThisMachine();
    if (listeners === undefined) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: 'Listening ports could not be read here',
          detail:
            '/proc/net/tcp is not readable on this system, so open VNC and X11 ports were not looked for.',
        },
      ];
    }
    const exposed = exposedDisplays(listeners);
    if (exposed.length > 0) return exposed;
    return [
      {
        check: CHECK,
        severity: 'info',
        title: 'No VNC or X11 server listens beyond loopback',
        detail: 'Ports 5900–5999 and 6000–6063 were checked on every address of this machine.',
      },
    ];
  },
};
