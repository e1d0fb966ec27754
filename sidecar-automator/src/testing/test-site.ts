import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small web site on loopback for the sidecar's tests: a login form (user name, password, one-time
 * code, a select and a checkbox), a reports page with a table and an iframe whose button downloads a
 * file, only with the session cookie the login sets.
 */
export interface TestSite {
  url: string;
  /** The credentials the login form accepts. */
  user: string;
  password: string;
  code: string;
  /** The bytes `/reports/download` sends, different on every run. */
  report: Buffer;
  reportSha256: string;
  /** What the site was asked for, in order: `GET 127.0.0.1:1234/login` (the Host header, then the path). */
  requests: string[];
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const LOGIN = page(
  'Sign in',
  `<h1>Sign in</h1>
  <form method="post" action="/login">
    <label>Username <input name="username" autocomplete="username"></label>
    <label for="pw">Password</label> <input id="pw" name="password" type="password" autocomplete="current-password">
    <label>Code <input name="otp" inputmode="numeric" autocomplete="one-time-code"></label>
    <label>Region <select name="region"><option value="eu">Europe</option><option value="us">United States</option></select></label>
    <label><input type="checkbox" name="remember"> Remember me</label>
    <button type="submit">Sign in</button>
  </form>`,
);

const REPORTS = page(
  'Reports',
  `<h1>Reports</h1>
  <table id="totals"><thead><tr><th>Month</th><th>Total</th></tr></thead>
  <tbody><tr><td>January</td><td>12</td></tr><tr><td>February</td><td>30</td></tr></tbody></table>
  <iframe title="Report export" src="/reports/frame" width="600" height="200"></iframe>
  <p><a href="/big">A very large file</a></p>`,
);

const FRAME = page(
  'Export',
  `<p>Export the monthly report</p>
  <button type="button" onclick="location.href='/reports/download'">Download report</button>`,
);

function readBody(request: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(new URLSearchParams(text)));
  });
}

export async function startTestSite(options: { bigFileBytes?: number } = {}): Promise<TestSite> {
  const report = randomBytes(64 * 1024);
  const session = randomBytes(16).toString('hex');
  const requests: string[] = [];
  const site = { user: 'ada', password: `pw-${randomBytes(6).toString('hex')}`, code: '424242' };
  const server = http.createServer(async (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    requests.push(`${request.method} ${request.headers.host ?? ''}${path}`);
    const signedIn = (request.headers.cookie ?? '').includes(`session=${session}`);
    const html = (status: number, body: string) =>
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    if (path === '/' || path === '/login') {
      if (request.method !== 'POST') return html(200, LOGIN);
      const form = await readBody(request);
      const ok =
        form.get('username') === site.user &&
        form.get('password') === site.password &&
        form.get('otp') === site.code &&
        form.get('region') === 'us' &&
        form.get('remember') === 'on';
      if (!ok) return html(401, page('Wrong', '<h1>Wrong credentials</h1>'));
      return response
        .writeHead(303, { location: '/reports', 'set-cookie': `session=${session}; Path=/; HttpOnly` })
        .end();
    }
    if (path === '/reveal') {
      return html(
        200,
        page(
          'Reveal',
          `<label for="secret">Password</label> <input id="secret" type="password">
          <button type="button" onclick="const f = document.getElementById('secret'); f.type = f.type === 'password' ? 'text' : 'password'">Show password</button>
          <button type="button">Continue</button>`,
        ),
      );
    }
    if (path === '/webrtc') {
      // A page that asks WebRTC to reach a STUN server over UDP: nothing a replay may let out.
      return html(
        200,
        page(
          'WebRTC',
          `<script>
          const stun = 'stun:127.0.0.1:' + new URLSearchParams(location.search).get('stun');
          const connection = new RTCPeerConnection({ iceServers: [{ urls: stun }] });
          connection.createDataChannel('probe');
          connection.createOffer().then((offer) => connection.setLocalDescription(offer));
          </script>`,
        ),
      );
    }
    if (path === '/links') {
      // The same site under another name, and a redirect to it: both off an allowlist of 127.0.0.1.
      const port = (request.headers.host ?? '').split(':')[1] ?? '';
      return html(
        200,
        page(
          'Links',
          `<a href="http://localhost:${port}/login">Sign in by name</a> <a href="/away">Away</a>`,
        ),
      );
    }
    if (path === '/away')
      return response
        .writeHead(302, {
          location: `http://localhost:${(request.headers.host ?? '').split(':')[1] ?? ''}/login`,
        })
        .end();
    if (!signedIn) return response.writeHead(303, { location: '/login' }).end();
    if (path === '/reports') return html(200, REPORTS);
    if (path === '/reports/frame') return html(200, FRAME);
    if (path === '/reports/download') {
      return response
        .writeHead(200, {
          'content-type': 'text/csv',
          'content-disposition': 'attachment; filename="monthly report.csv"',
          'content-length': String(report.length),
        })
        .end(report);
    }
    if (path === '/big') {
      const size = options.bigFileBytes ?? 4 * 1024 * 1024;
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': 'attachment; filename="big.bin"',
        'content-length': String(size),
      });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += part.length;
          if (!response.write(part)) return void response.once('drain', pump);
        }
        response.end();
      };
      return pump();
    }
    return html(404, page('Not found', '<h1>Not found</h1>'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...site,
    report,
    reportSha256: createHash('sha256').update(report).digest('hex'),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
