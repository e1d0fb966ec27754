import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';

/** The Node-RED release measured against (installed from npm by the benchmark itself). */
export const NODE_RED_VERSION = '5.0.7';

export interface NodeRed {
  url: string;
  stop(): Promise<void>;
}

/**
 * `http in` → three `function` nodes → `http response`: the same shape as the Talon workflow. Ids
 * are hex like the editor's, and no other property holds an id (Node-RED reads such a value as a
 * reference to a config node).
 */
function flow(): unknown[] {
  const id = (n: number): string => `b3c4d5e6f70${n.toString(16).padStart(5, '0')}`;
  const fn = (n: number, name: string, code: string) => ({
    id: id(n),
    type: 'function',
    z: id(0),
    name,
    func: code,
    outputs: 1,
    wires: [[id(n + 1)]],
  });
  return [
    { id: id(0), type: 'tab', label: 'bench' },
    {
      id: id(1),
      type: 'http in',
      z: id(0),
      name: 'trigger',
      url: '/bench',
      method: 'post',
      wires: [[id(2)]],
    },
    fn(2, 'receive', 'return msg;'),
    fn(
      3,
      'reshape',
      'const p = msg.payload || {}; msg.payload = { title: p.title, url: p.link }; return msg;',
    ),
    fn(4, 'wrap', 'msg.payload = { item: msg.payload }; return msg;'),
    { id: id(5), type: 'http response', z: id(0), name: 'answer', statusCode: '200', wires: [] },
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
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
      .then((response) => response.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('Node-RED did not answer on its flow within 2 minutes');
    }
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
