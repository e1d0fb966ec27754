import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunEvent, RunEvents } from '../../workflows/run-events.ts';
import type { RunRepository, RunStatus } from '../../workflows/run-repository.ts';
import type { RunEventPayloads } from '../../workflows/wire-types.ts';
import { runView, stepView } from './workflow-views.ts';

const ENDED = new Set(['completed', 'failed', 'cancelled']);
/** Runs executing on another node send no local events: their progress is read back this often. */
const POLL_MS = 1_000;

/**
 * Live progress of one run as server-sent events: `snapshot` (the run and its steps so far), then
 * `step_started`, `step_finished` and `run_status` as they happen; the stream ends with the run.
 */
export async function streamRunEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  runId: string,
  runs: RunRepository,
  events: RunEvents,
): Promise<void> {
  const run = await runs.get(runId);
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = <Name extends keyof RunEventPayloads>(event: Name, data: RunEventPayloads[Name]): void => {
    out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  let lastSeq = 0;
  let lastStatus: string = run.status;
  let closed = false;
  let timer: NodeJS.Timeout | undefined = undefined; // set once the snapshot is out
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(timer);
    out.end();
  };

  // Events that arrive while the snapshot is read wait for it, so the snapshot always comes first.
  let pending: RunEvent[] | undefined = [];
  const onEvent = (event: RunEvent): void => {
    if (pending) {
      pending.push(event);
      return;
    }
    if (closed) return;
    if (event.type === 'step_finished') {
      if (event.step.seq <= lastSeq) return;
      lastSeq = event.step.seq;
      send('step_finished', stepView(event.step));
    } else if (event.type === 'step_started') {
      send('step_started', { seq: event.seq, stepId: event.stepId, stepName: event.stepName });
    } else {
      lastStatus = event.status;
      send('run_status', { status: event.status, errorCode: event.errorCode ?? null });
      if (ENDED.has(event.status)) void catchUp().then(close);
    }
  };
  const unsubscribe = events.subscribe(runId, onEvent);
  request.raw.on('close', close);

  // Steps and the status, read from the database: for a run on another node, and before closing.
  const catchUp = async (): Promise<RunStatus> => {
    const current = await runs.get(runId);
    for (const step of await runs.steps(runId)) {
      if (step.seq > lastSeq && !closed) {
        lastSeq = step.seq;
        send('step_finished', stepView(step));
      }
    }
    return current.status;
  };

  const steps = await runs.steps(runId);
  lastSeq = steps.at(-1)?.seq ?? 0;
  send('snapshot', { run: runView(run), steps: steps.map(stepView) });
  const early = pending;
  pending = undefined;
  for (const event of early) onEvent(event);
  if (ENDED.has(run.status)) return close();
  timer = setInterval(() => {
    void catchUp()
      .then((status) => {
        if (closed || status === lastStatus) return;
        lastStatus = status;
        send('run_status', { status, errorCode: null });
        if (ENDED.has(status)) close();
      })
      .catch(() => close());
  }, POLL_MS);
}
