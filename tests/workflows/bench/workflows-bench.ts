// pnpm bench:workflows — Talon's workflow engine against Node-RED, measured in the same run.
// The last line printed is one JSON object: runsPerSec, p50Ms, p99Ms, singleRunP50Ms, nodeRed.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { measure } from './load.ts';
import { startNodeRed } from './node-red.ts';
import { startTalonUnderTest } from './talon.ts';

const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const DURATION_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const BODY = JSON.stringify({ input: { title: 'Talon', link: 'https://example.com/a', extra: 'dropped' } });
const NODE_RED_BODY = JSON.stringify({ title: 'Talon', link: 'https://example.com/a', extra: 'dropped' });

const log = (line: string): void => console.error(`[bench] ${line}`);

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'talon-bench-'));
  chmodSync(folder, 0o755); // PostgreSQL runs as the `postgres` user when the benchmark runs as root.
  try {
    log('starting Talon (embedded PostgreSQL, sandbox with core skills, pg-boss)');
    const talon = await startTalonUnderTest(path.join(folder, 'talon'));
    let talonFigures;
    let single;
    try {
      await measure({ url: talon.runUrl, body: BODY, connections: 4, amount: 200 }); // warm-up
      single = await measure({ url: talon.runUrl, body: BODY, connections: 1, amount: 300 });
      const alone = await talon.breakdown(300);
      log(
        `single run p50 ${single.p50Ms} ms (medians: queued ${alone.queuedMs} ms, executing ${alone.executingMs} ms, ` +
          `one step ${alone.stepMs} ms)`,
      );
      const before = await talon.history();
      talonFigures = await measure({
        url: talon.runUrl,
        body: BODY,
        connections: CONNECTIONS,
        durationSeconds: DURATION_SECONDS,
      });
      const after = await talon.history();
      const loaded = await talon.breakdown(1000);
      log(
        `under load, medians: queued ${loaded.queuedMs} ms, executing ${loaded.executingMs} ms, one step ${loaded.stepMs} ms`,
      );
      log(
        `talon: ${talonFigures.requestsPerSec} runs/s, p50 ${talonFigures.p50Ms} ms, p99 ${talonFigures.p99Ms} ms, ` +
          `${talonFigures.errors} errors; history +${after.completedRuns - before.completedRuns} runs, ` +
          `+${after.stepResults - before.stepResults} step results`,
      );
    } finally {
      await talon.stop();
    }

    const nodeRed = await startNodeRed(path.join(folder, 'node-red'), log);
    let nodeRedFigures;
    try {
      await measure({ url: nodeRed.url, body: NODE_RED_BODY, connections: 4, amount: 500 });
      nodeRedFigures = await measure({
        url: nodeRed.url,
        body: NODE_RED_BODY,
        connections: CONNECTIONS,
        durationSeconds: DURATION_SECONDS,
      });
      log(
        `node-red: ${nodeRedFigures.requestsPerSec} req/s, p50 ${nodeRedFigures.p50Ms} ms, p99 ${nodeRedFigures.p99Ms} ms`,
      );
    } finally {
      await nodeRed.stop();
    }

    process.stdout.write(
      JSON.stringify({
        runsPerSec: talonFigures.requestsPerSec,
        p50Ms: talonFigures.p50Ms,
        p99Ms: talonFigures.p99Ms,
        singleRunP50Ms: single.p50Ms,
        nodeRed: {
          runsPerSec: nodeRedFigures.requestsPerSec,
          p50Ms: nodeRedFigures.p50Ms,
          p99Ms: nodeRedFigures.p99Ms,
        },
      }) + '\n',
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:workflows failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
