import type { IsolateLimits } from './protocol.ts';

/**
 * Generates the JavaScript that runs in a fresh isolate before any skill code: it removes the
 * globals a skill must not have, and builds the `api` object of each run as plain functions over
 * ONE `ivm.Callback` (`$0`, fire-and-forget) that carries (run, call, method, argsJson) to the
 * worker. Answers come back through `deliver`, so no host object or promise is ever handed in.
 *
 * Everything the glue relies on is captured here, before the skill's module is evaluated, so a
 * skill that rewrites `JSON` or `Map.prototype` later can confuse only its own calls; the host
 * checks every call and every result again.
 *
 * The evaluated closure returns `{ invoke, deliver, check }`, which the worker keeps as References
 * (the isolate never sees those). `invoke` returns nothing: the run's result comes back through a
 * second callback (`$1`, synchronous: it only hands the worker a string), once the skill's promise
 * settles.
 */
export function isolateGlueSource(apiFunctions: readonly string[], limits: IsolateLimits): string {
  const constants = JSON.stringify({
    functions: apiFunctions,
    maxChars: limits.resultMaxChars,
    callsPerRun: limits.apiCallsPerRun,
    concurrentPerRun: limits.apiConcurrentPerRun,
    messageChars: limits.errorMessageChars,
  });
  return `'use strict';
const hostCall = $0;
const answer = $1;
const K = ${constants};
delete globalThis.WebAssembly;
delete globalThis.SharedArrayBuffer;
delete globalThis.Atomics;
const stringify = JSON.stringify;
const parse = JSON.parse;
const ErrorCtor = Error;
const PromiseCtor = Promise;
const freeze = Object.freeze;
const defineProperty = Object.defineProperty;
const StringCtor = String;
const pending = new Map();
const mapGet = Map.prototype.get.bind(pending);
const mapSet = Map.prototype.set.bind(pending);
const mapDelete = Map.prototype.delete.bind(pending);
let nextCall = 0;
// The shape of \`api\`, worked out now so a skill that rewrites String.prototype cannot bend it.
const SHAPE = K.functions.map((fn) => [fn.slice(0, fn.indexOf('.')), fn.slice(fn.indexOf('.') + 1), fn]);
const AREAS = [...new Set(SHAPE.map((entry) => entry[0]))];

function cut(text, max) {
  return text.length > max ? text.slice(0, max) + '…' : text;
}

function apiError(code, message) {
  const error = new ErrorCtor(message);
  defineProperty(error, 'code', { value: code, enumerable: true });
  return error;
}

function refuseFunctions(_key, value) {
  const kind = typeof value;
  if (kind === 'function' || kind === 'symbol') throw new ErrorCtor('a ' + kind + ' cannot be part of a JSON value');
  return value;
}

function describe(thrown) {
  try {
    if (typeof thrown === 'string') return { message: cut(thrown, K.messageChars) };
    if (thrown !== null && typeof thrown === 'object') {
      const message = thrown.message;
      const code = thrown.code;
      return {
        message: typeof message === 'string' ? cut(message, K.messageChars) : 'a value that is not an Error was thrown',
        code: typeof code === 'string' ? cut(code, 64) : undefined,
      };
    }
    return { message: cut(StringCtor(thrown), K.messageChars) };
  } catch {
    return { message: 'an unprintable value was thrown' };
  }
}

function makeApi(run) {
  const state = { calls: 0, inflight: 0 };
  function call(fn, args) {
    return new PromiseCtor((resolve, reject) => {
      if (state.calls >= K.callsPerRun) return reject(apiError('rate_limited', 'this run made too many SkillAPI calls (at most ' + K.callsPerRun + ')'));
      if (state.inflight >= K.concurrentPerRun) return reject(apiError('rate_limited', 'too many SkillAPI calls waiting at once (at most ' + K.concurrentPerRun + ')'));
      let argsJson;
      try {
        argsJson = stringify(args, refuseFunctions);
      } catch (error) {
        return reject(apiError('invalid_argument', fn + ': arguments must be JSON values (' + describe(error).message + ')'));
      }
      if (argsJson.length > K.maxChars) return reject(apiError('invalid_argument', fn + ': arguments are larger than ' + K.maxChars + ' characters'));
      const id = ++nextCall;
      state.calls++;
      state.inflight++;
      mapSet(id, { resolve, reject, state });
      hostCall(run, id, fn, argsJson);
    });
  }
  const api = {};
  for (const [area, name, fn] of SHAPE) {
    if (api[area] === undefined) api[area] = {};
    api[area][name] = (...args) => call(fn, args);
  }
  for (const area of AREAS) freeze(api[area]);
  return freeze(api);
}

function deliver(id, envelopeJson) {
  const waiting = mapGet(id);
  if (waiting === undefined) return;
  mapDelete(id);
  waiting.state.inflight--;
  const envelope = parse(envelopeJson);
  if (envelope.error) waiting.reject(apiError(envelope.error.code, envelope.error.message));
  else waiting.resolve(envelope.result === undefined ? null : envelope.result);
}

function check(skill) {
  if (skill === null || (typeof skill !== 'object' && typeof skill !== 'function')) return 'the module has no default export object';
  if (typeof skill.run !== 'function') return 'the default export has no run(ctx) function';
  return '';
}

// A run's result leaves by a callback of its own ($1), not as the value of \`invoke\`: the worker may
// then start a run synchronously and take its answer without waiting on a promise.
function invoke(skill, run, inputJson, configJson) {
  finish(skill, run, inputJson, configJson);
}

async function finish(skill, run, inputJson, configJson) {
  answer(run, await settle(skill, run, inputJson, configJson));
}

async function settle(skill, run, inputJson, configJson) {
  let value;
  try {
    value = await skill.run({ input: parse(inputJson), config: parse(configJson), api: makeApi(run) });
  } catch (thrown) {
    return stringify({ thrown: describe(thrown) });
  }
  let json;
  try {
    json = stringify(value === undefined ? null : value, refuseFunctions);
  } catch (error) {
    return stringify({ invalid: 'the result is not a JSON value: ' + describe(error).message });
  }
  if (typeof json !== 'string') return stringify({ invalid: 'the result is not a JSON value' });
  if (json.length > K.maxChars) return stringify({ tooLarge: json.length });
  return '{"ok":' + json + '}';
}

return { invoke, deliver, check };
`;
}
