import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingResult } from '../recording/recording-session.ts';
import type { RecordingView } from '../recording/recordings.ts';
import { screenPosition } from '../browser/page-functions.js';
import { commandLine, descendants, listeningSockets } from '../testing/processes.ts';
import { connectRfbViewer, type Frame } from '../testing/rfb-client.ts';
import { startTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { startTestSite, type TestSite } from '../testing/test-site.ts';

let site: TestSite;
let sidecar: TestSidecar;
let recording: RecordingView;

beforeAll(async () => {
  site = await startTestSite();
  sidecar = await startTestSidecar();
  const started = await sidecar.call('POST', '/recordings', { url: `${site.url}/login` });
  expect(started.status).toBe(201);
  recording = (await started.json()) as RecordingView;
});
afterAll(async () => {
  await sidecar?.close();
  await site?.close();
});

function liveViewUrl(id = recording.id): string {
  return `${sidecar.url.replace('http:', 'ws:')}/recordings/${id}/vnc`;
}

/** The HTTP status a WebSocket upgrade is refused with. */
function refusedUpgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => undefined);
  });
}

function nonBlackPixels(frame: Frame): number {
  let count = 0;
  for (const rect of frame.rects) {
    for (let offset = 0; offset < rect.pixels.length; offset += 4) {
      if (rect.pixels[offset] || rect.pixels[offset + 1] || rect.pixels[offset + 2]) count += 1;
    }
  }
  return count;
}

describe('the live view of a recording', () => {
  it('refuses a second recording while one runs', async () => {
    const second = await sidecar.call('POST', '/recordings', { url: `${site.url}/login` });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: 'recording_busy' });
  });

  it('refuses the WebSocket without the token, with a wrong one, and at another path', async () => {
    expect(await refusedUpgrade(liveViewUrl(), {})).toBe(401);
    expect(await refusedUpgrade(liveViewUrl(), { authorization: `Bearer ${'x'.repeat(43)}` })).toBe(401);
    const auth = { authorization: `Bearer ${sidecar.token}` };
    expect(await refusedUpgrade(liveViewUrl('00000000-0000-4000-8000-000000000000'), auth)).toBe(404);
    expect(await refusedUpgrade(`${sidecar.url.replace('http:', 'ws:')}/health`, auth)).toBe(404);
  });

  it('bridges RFB to the display: frames of the page come through, and a click goes in', async () => {
    const viewer = await connectRfbViewer(liveViewUrl(), { authorization: `Bearer ${sidecar.token}` });
    try {
      expect({ width: viewer.width, height: viewer.height }).toEqual({ width: 1280, height: 800 });
      const before = await viewer.requestFrame();
      expect(before.rects).toMatchObject([{ x: 0, y: 0, width: 1280, height: 800 }]);
      expect(nonBlackPixels(before)).toBeGreaterThan(100_000); // the browser window, not an empty screen

      // Click "Remember me" through the live view, as the owner would in the admin.
      const page = sidecar.sidecar.recordings.contextOf(recording.id)?.pages()[0];
      if (!page) throw new Error('no page');
      const box = await page.getByLabel('Remember me').evaluate(screenPosition);
      viewer.pointer(box.x, box.y, 0);
      viewer.pointer(box.x, box.y, 1);
      viewer.pointer(box.x, box.y, 0);
      await expect.poll(() => page.getByLabel('Remember me').isChecked(), { timeout: 5_000 }).toBe(true);
      const after = await viewer.requestFrame();
      expect(after.rects[0]?.pixels.equals(before.rects[0]?.pixels ?? Buffer.alloc(0))).toBe(false);
    } finally {
      viewer.close();
    }
  });

  it('listens on loopback only: the API, and nothing at all from Xvfb, x11vnc and Chromium', () => {
    const children = descendants();
    expect(children.length).toBeGreaterThan(3);
    const sockets = listeningSockets([process.pid, ...children]);
    expect(sockets.filter((socket) => !socket.loopback)).toEqual([]);
    expect(sockets.filter((socket) => socket.pid !== process.pid)).toEqual([]);
    // The API itself (and the test site and proxy, in this process) are on 127.0.0.1.
    expect(sockets.some((socket) => socket.local === `127.0.0.1:${new URL(sidecar.url).port}`)).toBe(true);
  });

  it('stops with the click it received as a step, and closes the live view', async () => {
    const stopped = await sidecar.call('POST', `/recordings/${recording.id}/stop`);
    const body = (await stopped.json()) as RecordingResult;
    expect(body.recipe.steps).toMatchObject([{ type: 'check', checked: true }]);
    const [check] = body.recipe.steps;
    expect(check?.type === 'check' && check.target.locators[0]).toEqual({
      kind: 'role',
      role: 'checkbox',
      name: 'Remember me',
    });
    expect(await refusedUpgrade(liveViewUrl(), { authorization: `Bearer ${sidecar.token}` })).toBe(404);
    // Stopping again gives the same result.
    const again = (await (
      await sidecar.call('POST', `/recordings/${recording.id}/stop`)
    ).json()) as RecordingResult;
    expect(again.recipe).toEqual(body.recipe);
    expect(descendants().filter((pid) => listeningSockets([pid]).length > 0)).toEqual([]);
  });
});

describe('a recording the owner abandons', () => {
  it('is discarded without a recipe, and its display, VNC server and browser stop', async () => {
    const started = (await (
      await sidecar.call('POST', '/recordings', { url: `${site.url}/login` })
    ).json()) as RecordingView;
    const running = () =>
      descendants()
        .map(commandLine)
        .filter((command) => /Xvfb|x11vnc|chromium/.test(command));
    expect(running().length).toBeGreaterThanOrEqual(3);
    expect((await sidecar.call('DELETE', `/recordings/${started.id}`)).status).toBe(204);
    expect((await sidecar.call('GET', `/recordings/${started.id}`)).status).toBe(404);
    await expect.poll(running, { timeout: 5_000 }).toEqual([]);
  });
});

describe('a recording left open', () => {
  it('is stopped at the time limit, its recipe kept for collection', async () => {
    const short = await startTestSidecar({ maxRecordingMs: 1_500 });
    try {
      const started = (await (
        await short.call('POST', '/recordings', { url: `${site.url}/login` })
      ).json()) as RecordingView;
      await expect
        .poll(
          async () =>
            ((await (await short.call('GET', `/recordings/${started.id}`)).json()) as RecordingView).state,
          {
            timeout: 15_000,
          },
        )
        .toBe('stopped');
      const view = (await (await short.call('GET', `/recordings/${started.id}`)).json()) as RecordingView;
      expect(view.stoppedBy).toBe('time_limit');
      const result = (await (
        await short.call('POST', `/recordings/${started.id}/stop`)
      ).json()) as RecordingResult;
      expect(result.recipe.startUrl).toBe(`${site.url}/login`);
    } finally {
      await short.close();
    }
  });
});
