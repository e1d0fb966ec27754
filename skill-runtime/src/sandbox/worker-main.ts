/**
 * Entry point of a sandbox worker process (started by the host, behind the second wall where it
 * stands). It holds the skills of one cordon, each in an isolate of its own, evaluates each skill's
 * module once, runs calls on request and relays SkillAPI calls to the host. It holds no secrets, no
 * database and no network: the host answers every API call, over the framed channel on descriptor 3,
 * and it knows which skills this worker serves from that channel, not from anything sent here.
 *
 * Bundled by worker-entry.ts into one file with what it imports (keep that to `node:` modules,
 * isolated-vm and small dependency-free modules of this folder).
 */
import { writeSync } from 'node:fs';
import net from 'node:net';
import ivm from 'isolated-vm';
import { SANDBOX_LIMITS } from '../limits.ts';
import { encodeFrame, FrameReader } from './frames.ts';
import type { HostMessage, IsolateLimits, WorkerErrorCode, WorkerMessage } from './protocol.ts';

interface LoadedSkill {
  isolate: ivm.Isolate;
  limits: IsolateLimits;
  skill: ivm.Reference;
  invoke: ivm.Reference;
  deliver: ivm.Reference;
}

/** The skills this worker holds, each in an isolate of its own, by the number the host gave it. */
const skills = new Map<number, LoadedSkill>();
/** Which skill each run in flight belongs to. */
const runSkills = new Map<number, LoadedSkill>();

interface FreshIsolate {
  /** The glue and limits it was made with: reused only for a load that asks for exactly these. */
  key: string;
  isolate: ivm.Isolate;
  context: ivm.Context;
  exports: ivm.Reference;
}

/** An isolate made ahead (`prepare`), while this worker waits as the spare, to save a load its cost. */
let prepared: Promise<FreshIsolate> | undefined;

/** The host's end of the channel: descriptor 3, a Unix socket the host opened for this worker. */
const channel = new net.Socket({ fd: 3, readable: true, writable: true });

function send(message: WorkerMessage): void {
  channel.write(encodeFrame(message));
}

/** CPU time (isolate.cpuTime, ns) at the start of each run still in flight, and whether it ended. */
interface RunBudget {
  cpuStart: bigint;
  ended: boolean;
}
const budgets = new Map<number, RunBudget>();

/**
 * The CPU milliseconds a run has left: its budget counts the isolate's CPU time over the whole
 * call (every continuation after an API answer included), not afresh after each answer. Calls of
 * one skill in flight together share the isolate, and each is charged its CPU time meanwhile.
 */
function cpuLeftMs(skill: LoadedSkill, budget: RunBudget): number {
  return skill.limits.cpuTimeoutMs - Number(skill.isolate.cpuTime - budget.cpuStart) / 1e6;
}

function endOverBudget(run: number): void {
  if (!close(run)) return;
  send({ t: 'result', run, ok: false, code: 'timeout', message: 'the skill used up its CPU time' });
}

/** V8 cannot recover from this; say why on stderr (read by the host) and die at once, never wedge. */
function catastrophic(message: string): void {
  try {
    writeSync(2, `talon-sandbox-fatal: ${message.slice(0, 500)}\n`);
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
}

function classify(error: unknown, limits: IsolateLimits): { code: WorkerErrorCode; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out/i.test(message)) return { code: 'timeout', message: 'the skill used up its CPU time' };
  if (/memory limit|disposed/i.test(message)) {
    return { code: 'memory_limit', message: 'the skill used more memory than its limit' };
  }
  return { code: 'skill_error', message: message.slice(0, limits.errorMessageChars) };
}

async function freshIsolate(glue: string, limits: IsolateLimits): Promise<FreshIsolate> {
  const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb, onCatastrophicError: catastrophic });
  const context = await isolate.createContext();
  // The host functions the isolate can call, arguments copied as primitives: SkillAPI calls for the
  // host (fire-and-forget), and a run's answer (synchronous: called inside a synchronous entry it
  // costs no turn of the event loop).
  const hostCall = new ivm.Callback(
    (run: unknown, call: unknown, method: unknown, args: unknown) => {
      if (typeof run !== 'number' || typeof call !== 'number') return;
      if (typeof method !== 'string' || typeof args !== 'string') return;
      send({ t: 'api', run, call, method, args });
    },
    { ignored: true },
  );
  const answer = new ivm.Callback((run: unknown, json: unknown) => {
    if (typeof run === 'number' && typeof json === 'string') finishRun(run, json);
  });
  const exports = (await context.evalClosure(glue, [hostCall, answer], {
    timeout: limits.cpuTimeoutMs,
    result: { reference: true },
  })) as ivm.Reference;
  return { key: JSON.stringify([glue, limits]), isolate, context, exports };
}

async function takeIsolate(glue: string, limits: IsolateLimits): Promise<FreshIsolate> {
  const ready = await prepared?.catch(() => undefined);
  prepared = undefined;
  if (ready && ready.key === JSON.stringify([glue, limits])) return ready;
  ready?.isolate.dispose();
  return freshIsolate(glue, limits);
}

async function load(id: number, code: string, glue: string, limits: IsolateLimits): Promise<void> {
  const fresh = await takeIsolate(glue, limits);
  try {
    await evaluate(id, fresh, code, limits);
  } catch (error) {
    if (!fresh.isolate.isDisposed) fresh.isolate.dispose();
    throw error;
  }
}

async function evaluate(id: number, fresh: FreshIsolate, code: string, limits: IsolateLimits): Promise<void> {
  const { isolate, context, exports } = fresh;
  const invoke = (await exports.get('invoke', { reference: true })) as ivm.Reference;
  const deliver = (await exports.get('deliver', { reference: true })) as ivm.Reference;
  const check = (await exports.get('check', { reference: true })) as ivm.Reference;
  const module = await isolate.compileModule(code, { filename: 'skill:///index.js' });
  await module.instantiate(context, (specifier) => {
    throw new Error(
      `imports are not available in a skill (asked for "${specifier}"); bundle it into index.js`,
    );
  });
  await module.evaluate({ timeout: limits.cpuTimeoutMs });
  const skill = (await module.namespace.get('default', { reference: true })) as ivm.Reference;
  const problem = (await check.apply(undefined, [skill.derefInto()], {
    timeout: limits.cpuTimeoutMs,
  })) as unknown;
  if (problem !== '') throw new InvalidSkill(String(problem));
  skills.get(id)?.isolate.dispose();
  skills.set(id, { isolate, limits, skill, invoke, deliver });
}

function unload(id: number): void {
  const skill = skills.get(id);
  skills.delete(id);
  if (skill && !skill.isolate.isDisposed) skill.isolate.dispose();
}

class InvalidSkill extends Error {}

/**
 * Runs a function of a skill's isolate. When this worker holds that skill alone, synchronously
 * (applySync: no hop to the isolate's thread and back, some 30 µs a call), since nothing else could
 * use this thread meanwhile; beside other skills, on the isolate's own thread, so a neighbour that
 * spins until its CPU budget runs out never holds up theirs. Either way the budget is V8's timeout.
 */
function enter(skill: LoadedSkill, fn: ivm.Reference, args: unknown[], timeoutMs: number): Promise<unknown> {
  if (skills.size === 1) {
    try {
      fn.applySync(undefined, args, { timeout: timeoutMs });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return fn.apply(undefined, args, { timeout: timeoutMs });
}

/** Ends a run in flight (its budget, its skill) and says whether it was still open. */
function close(id: number): LoadedSkill | undefined {
  const budget = budgets.get(id);
  const skill = runSkills.get(id);
  budgets.delete(id);
  runSkills.delete(id);
  if (!budget || budget.ended) return undefined;
  budget.ended = true;
  return skill;
}

/** A disposed isolate (memory limit) leaves V8 in a state not worth trusting: the host ends this
 * worker (the call's result went first, so it knows whose call it was) and starts fresh ones. */
function exitIfDisposed(skill: LoadedSkill): void {
  if (skill.isolate.isDisposed) setImmediate(() => process.exit(70));
}

/** The glue's answer for a run: `{"ok":…}`, `{"thrown":…}`, `{"invalid":…}` or `{"tooLarge":n}`. */
function finishRun(id: number, json: string): void {
  const skill = close(id);
  if (!skill) return;
  if (json.length > skill.limits.resultMaxChars + 200) {
    send({ t: 'result', run: id, ok: false, code: 'result_too_large', message: 'the result is too large' });
  } else {
    send({ t: 'result', run: id, ok: true, json });
  }
  exitIfDisposed(skill);
}

/** A run that ended inside the isolate without an answer: its CPU time, its memory, a broken glue. */
function failRun(id: number, error: unknown): void {
  const skill = close(id);
  if (!skill) return;
  send({ t: 'result', run: id, ok: false, ...classify(error, skill.limits) });
  exitIfDisposed(skill);
}

function run(id: number, skillId: number, input: string, config: string): void {
  const skill = skills.get(skillId);
  if (!skill) {
    send({
      t: 'result',
      run: id,
      ok: false,
      code: 'skill_error',
      message: 'no skill is loaded in this worker',
    });
    return;
  }
  budgets.set(id, { cpuStart: skill.isolate.cpuTime, ended: false });
  runSkills.set(id, skill);
  enter(skill, skill.invoke, [skill.skill.derefInto(), id, input, config], skill.limits.cpuTimeoutMs).catch(
    (error: unknown) => failRun(id, error),
  );
}

function deliver(run: number, call: number, envelope: string): void {
  const skill = runSkills.get(run);
  const budget = budgets.get(run);
  if (!skill || skill.isolate.isDisposed || !budget || budget.ended) return;
  const left = cpuLeftMs(skill, budget);
  if (left <= 0) return endOverBudget(run);
  enter(skill, skill.deliver, [call, envelope], Math.max(1, Math.ceil(left))).catch((error: unknown) => {
    // The continuation ran past what was left of the call's CPU budget: the call ends now.
    if (classify(error, skill.limits).code === 'timeout') endOverBudget(run);
    else failRun(run, error);
  });
}

function receive(raw: HostMessage): void {
  switch (raw.t) {
    case 'load':
      load(raw.skill, raw.code, raw.glue, raw.limits).then(
        () => send({ t: 'loaded', skill: raw.skill }),
        (error: unknown) => {
          const { code, message } =
            error instanceof InvalidSkill
              ? { code: 'invalid_skill' as const, message: error.message }
              : classify(error, raw.limits);
          send({
            t: 'load_failed',
            skill: raw.skill,
            code: code === 'skill_error' ? 'invalid_skill' : code,
            message,
          });
        },
      );
      break;
    case 'unload':
      unload(raw.skill);
      break;
    case 'prepare':
      if (skills.size === 0 && !prepared) prepared = freshIsolate(raw.glue, raw.limits);
      break;
    case 'run':
      run(raw.run, raw.skill, raw.input, raw.config);
      break;
    case 'api_result':
      deliver(raw.run, raw.call, raw.envelope);
      break;
  }
}

const reader = new FrameReader(SANDBOX_LIMITS.maxIpcFrameBytes, {
  frame: (message) => receive(message as HostMessage),
  // Only the host writes here; a frame this large means the channel is broken.
  oversized: () => process.exit(71),
});
channel.on('data', (chunk: Buffer) => reader.push(chunk));
// The host is gone: nothing left to serve.
channel.on('close', () => process.exit(0));
channel.on('error', () => process.exit(0));

/** Runs every path a load and a call take once, so a placed skill does not pay for first-use costs. */
async function warmUp(): Promise<void> {
  const isolate = new ivm.Isolate({ memoryLimit: 8 });
  try {
    const context = await isolate.createContext();
    const module = await isolate.compileModule('export default { run: (x) => x };');
    await module.instantiate(context, () => {
      throw new Error('no imports');
    });
    await module.evaluate({ timeout: 1000 });
    const skill = (await module.namespace.get('default', { reference: true })) as ivm.Reference;
    let answered: (() => void) | undefined;
    const done = new Promise<void>((resolve) => (answered = resolve));
    const callback = new ivm.Callback(() => answered?.(), { ignored: true });
    const call = (await context.evalClosure(
      'const done = $0; return (s, x) => { Promise.resolve(s.run(x)).then((v) => done(JSON.stringify(v))); };',
      [callback],
      { result: { reference: true } },
    )) as ivm.Reference;
    call.applySync(undefined, [skill.derefInto(), 1], { timeout: 1000 });
    await call.apply(undefined, [skill.derefInto(), 2], { timeout: 1000 });
    await done;
  } finally {
    isolate.dispose();
  }
}

warmUp().then(
  () => send({ t: 'ready' }),
  () => send({ t: 'ready' }),
);
