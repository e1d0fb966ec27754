import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants, listeningSockets } from '@talon/sidecar-automator/testing/processes.ts';
import { connectRfbViewer } from '@talon/sidecar-automator/testing/rfb-client.ts';
import {
  ADMIN_PASSWORD,
  AdminClient,
  startAutomationBed,
  type AutomationBed,
} from './support/automation-bed.ts';

// The live view of a recording through the core's WebSocket proxy, in a started Talon whose
// sidecar it supervises: the admin session, the Origin and a one-time ticket are checked first.
let bed: AutomationBed;
let recordingId: string;

beforeAll(async () => {
  bed = await startAutomationBed();
  const started = await bed.admin.ok<{ id: string; state: string }>('POST', '/api/automations/recordings', {
    url: `${bed.site.url}/login`,
    name: 'live-view',
  });
  expect(started.state).toBe('recording');
  recordingId = started.id;
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

const wsUrl = (path: string) => `${bed.talon.url.replace('http:', 'ws:')}${path}`;

async function ticket(client = bed.admin): Promise<string> {
  const issued = await client.ok<{ url: string; ticket: string }>('POST', `/api/automations/recordings/${recordingId}/live-ticket`);
  expect(issued.url).toBe(`/api/automations/recordings/${recordingId}/live?ticket=${encodeURIComponent(issued.ticket)}`);
  return issued.url;
} // prettier-ignore

/** Opens the live view; answers the first bytes the sidecar's RFB bridge sent, or the HTTP status it was refused with. */
function open(
  path: string,
  headers: Record<string, string>,
): Promise<{ refused: number } | { greeting: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(path), ['binary'], { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('message', (data: Buffer) => {
      expect(socket.protocol).toBe('binary');
      resolve({ greeting: Buffer.from(data).toString('latin1') });
      socket.close();
    });
    socket.once('error', reject);
  });
}

const own = () => ({ cookie: bed.admin.cookie, origin: bed.talon.url });

describe('the live view through the core', () => {
  it("reaches the sidecar's VNC bridge with a ticket from this session and this admin's Origin", async () => {
    // The sidecar answers nobody without its token: the greeting proves the proxy sent it.
    expect(await open(await ticket(), own())).toEqual({ greeting: 'RFB 003.008\n' });
  });

  it('refuses a ticket used twice', async () => {
    const url = await ticket();
    expect(await open(url, own())).toEqual({ greeting: 'RFB 003.008\n' });
    expect(await open(url, own())).toEqual({ refused: 403 });
  });

  it('refuses a foreign Origin, and no Origin at all', async () => {
    expect(await open(await ticket(), { cookie: bed.admin.cookie, origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await open(await ticket(), { cookie: bed.admin.cookie })).toEqual({ refused: 403 });
  }); // prettier-ignore

  it('refuses without the admin session, and with a ticket another session asked for', async () => {
    const url = await ticket();
    expect(await open(url, { origin: bed.talon.url })).toEqual({ refused: 401 });
    const other = new AdminClient(bed.talon.url);
    await other.login(ADMIN_PASSWORD);
    expect(await open(url, { cookie: other.cookie, origin: bed.talon.url })).toEqual({ refused: 403 });
  });

  it('refuses a made-up ticket, and a plain GET without a WebSocket upgrade', async () => {
    expect(await open(`/api/automations/recordings/${recordingId}/live?ticket=${'A'.repeat(43)}`, own())).toEqual({ refused: 403 });
    const plain = await bed.admin.request('GET', `/api/automations/recordings/${recordingId}/live?ticket=x`);
    expect(plain).toMatchObject({ status: 426, body: { error: 'upgrade_required' } });
  }); // prettier-ignore

  it('shows the recording browser: frames of the page come through the proxy', async () => {
    const viewer = await connectRfbViewer(wsUrl(await ticket()), own());
    try {
      expect({ width: viewer.width, height: viewer.height }).toEqual({ width: 1280, height: 800 });
      const frame = await viewer.requestFrame();
      let lit = 0;
      for (const rect of frame.rects) {
        for (let offset = 0; offset < rect.pixels.length; offset += 4) if (rect.pixels[offset]) lit += 1;
      }
      expect(lit).toBeGreaterThan(100_000); // the browser window, not an empty screen
    } finally {
      viewer.close();
    }
  });

  it('listens on loopback only: the sidecar, and nothing at all from Xvfb, x11vnc and Chromium', () => {
    const sidecar = bed.talon.automation.status().sidecar.pid!;
    const children = descendants(sidecar);
    expect(children.length).toBeGreaterThan(3);
    const sockets = listeningSockets([sidecar, ...children]);
    expect(sockets.filter((socket) => !socket.loopback)).toEqual([]);
    expect(sockets.filter((socket) => socket.pid !== sidecar)).toEqual([]);
    expect(sockets.length).toBeGreaterThan(0);
  });

  it('stops into a draft recipe, after which no live view is handed out', async () => {
    const stopped = await bed.admin.ok<{ recipe: { name: string; status: string; recipe: { startUrl: string } } }>(
      'POST',
      `/api/automations/recordings/${recordingId}/stop`,
    );
    expect(stopped.recipe).toMatchObject({ name: 'live-view', status: 'draft', recipe: { startUrl: `${bed.site.url}/login` } });
    const refused = await bed.admin.request('POST', `/api/automations/recordings/${recordingId}/live-ticket`);
    expect(refused).toMatchObject({ status: 404, body: { error: 'recording_not_running' } });
    // Stopping again gives the same draft, not a second one.
    await bed.admin.ok('POST', `/api/automations/recordings/${recordingId}/stop`);
    const overview = await bed.admin.ok<{ recipes: { name: string }[] }>('GET', '/api/automations');
    expect(overview.recipes.map((recipe) => recipe.name)).toEqual(['live-view']);
  }); // prettier-ignore
});
