import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '../../../core/src/db/embedded-postgres.ts';

/** The Node-RED release measured against (installed from npm by the benchmark itself). */
export const NODE_RED_VERSION = '5.0.7';

export interface NodeRed {
  url: string;
  stop(): Promise<void>;
}

/** `http in` → three `function` nodes → `http response`: the same shape as the Talon workflow. */
function flow(): unknown[] {
  const fn = (id: string, next: string, code: string) => ({
    id,
    type: 'function',
    z: 'tab',
    name: id,
    func: code,
    outputs: 1,
    wires: [[next]],
  });
  return [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'in', type: 'http in', z: 'tab', url: '/bench', method: 'post', wires: [['f1']] },
    fn('f1', 'f2', 'return msg;'),
    fn('f2', 'f3', 'const p = msg.payload || {}; msg.payload = { title: p.title, url: p.link }; return msg;'),
    fn('f3', 'out', 'msg.payload = { item: msg.payload }; return msg;'),
    { id: 'out', type: 'http response', z: 'tab', statusCode: '200', wires: [] },
  ];
}

/** Installs Node-RED into `folder` with npm, writes the flow, starts it on a free loopback port. */
export async function startNodeRed(folder: string, log: (line: string) => void): Promise<NodeRed> {
  log(`installing node-red@${NODE_RED_VERSION} into ${folder}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(
    npm,
    ['install', '--no-audit', '--no-fund', '--omit=dev', '--prefix', folder, `node-red@${NODE_RED_VERSION}`],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, npm_config_loglevel: 'error' } },
  );
  if (install.status !== 0) throw new Error(`npm install node-red failed with exit code ${install.status}`);
  const port = await findFreePort();
  writeFileSync(path.join(folder, 'flows.json'), JSON.stringify(flow()));
  writeFileSync(
    path.join(folder, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', userDir: ${JSON.stringify(folder)},
      httpAdminRoot: false, logging: { console: { level: 'warn', metrics: false, audit: false } } };`,
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(folder, 'node_modules', 'node-red', 'red.js'), '--settings', path.join(folder, 'settings.js')],
    { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}/bench`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
      .then((response) => response.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('Node-RED did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
