/**
 * `node core/bench/login-guessing.ts`: how many password guesses per hour an attacker gets from 1,
 * 256 and 65,536 addresses (and from addresses inside one IPv6 /64), before and after issue 10's
 * global failure budget, with the settings' defaults. Computed, not measured: it replays the login
 * rules (per-address limit and block, the budget's turns and pauses from login-budget.ts) against
 * an attacker who always tries again the moment the rules let a guess be checked, and who never
 * waits for an answer before sending the next request. The server's own capacity (how many
 * attempts per second it can answer) is left out, so "unbounded" means "as many as it can answer".
 *
 * Prints the table to stderr and, as its last line, one JSON object with every figure.
 */
import { MAX_PAUSE_MS, pauseFor } from '../src/auth/login-budget.ts';
import { SETTING_DEFINITIONS } from '../src/settings/definitions.ts';

const HOUR_MS = 3_600_000;

function defaultOf(key: string): number {
  const definition = SETTING_DEFINITIONS.find((candidate) => candidate.key === key);
  if (!definition) throw new Error(`no setting ${key}`);
  return Number(definition.defaultValue);
}

const perAddress = {
  maxAttempts: defaultOf('auth.rate_limit.max_attempts'),
  windowMs: defaultOf('auth.rate_limit.window_seconds') * 1000,
  blockMs: defaultOf('auth.rate_limit.block_duration_seconds') * 1000,
};
const budget = {
  maxFailures: defaultOf('auth.rate_limit.global_max_failures'),
  windowMs: defaultOf('auth.rate_limit.global_window_seconds') * 1000,
};

interface CountedAddress {
  /** Check times of its failures still inside the per-address window. */
  failures: number[];
  availableAt: number;
  /** Rotation order among addresses available at the same time. */
  lastUsed: number;
}

/** A small binary heap of counted addresses: the one available first, then the least recently used. */
class AddressQueue {
  readonly #items: CountedAddress[] = [];

  static #before(a: CountedAddress, b: CountedAddress): boolean {
    return a.availableAt !== b.availableAt ? a.availableAt < b.availableAt : a.lastUsed < b.lastUsed;
  }

  push(item: CountedAddress): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!AddressQueue.#before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): CountedAddress {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && AddressQueue.#before(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && AddressQueue.#before(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

/**
 * Guesses checked within one hour from `keys` counted addresses (distinct IPv4 addresses; a whole
 * IPv6 /64 is one key after the fix, and as many keys as the attacker likes before it).
 */
function guessesPerHour(keys: number, withBudget: boolean): number {
  const queue = new AddressQueue();
  for (let i = 0; i < keys; i++) queue.push({ failures: [], availableAt: 0, lastUsed: -keys + i });
  const budgetFailures: number[] = []; // admission times, oldest first
  let oldest = 0;
  let nextTurnAt: number | undefined;
  let now = 0;
  let guesses = 0;
  let used = 0;
  for (;;) {
    const address = queue.pop();
    now = Math.max(now, address.availableAt);
    let checkAt = now;
    if (withBudget) {
      while (oldest < budgetFailures.length && budgetFailures[oldest]! <= now - budget.windowMs) oldest++;
      const failures = budgetFailures.length - oldest;
      if (failures < budget.maxFailures) {
        nextTurnAt = undefined;
      } else {
        const turnAt = Math.max(now, nextTurnAt ?? now) + pauseFor(failures - budget.maxFailures);
        if (turnAt - now > MAX_PAUSE_MS) {
          // Refused with "come back later": the attacker returns the moment a turn is in reach.
          now = turnAt - MAX_PAUSE_MS;
          queue.push(address);
          continue;
        }
        nextTurnAt = turnAt;
        checkAt = turnAt;
      }
      budgetFailures.push(now);
    }
    if (checkAt >= HOUR_MS) break;
    guesses++;
    address.failures = address.failures.filter((at) => at > checkAt - perAddress.windowMs);
    address.failures.push(checkAt);
    address.lastUsed = used++;
    if (address.failures.length >= perAddress.maxAttempts) {
      address.failures = [];
      address.availableAt = checkAt + perAddress.blockMs;
    }
    queue.push(address);
  }
  return guesses;
}

const scenarios = [
  { name: '1 address', keysBefore: 1, keysAfter: 1 },
  { name: '256 addresses', keysBefore: 256, keysAfter: 256 },
  { name: '65,536 addresses', keysBefore: 65_536, keysAfter: 65_536 },
  // Before, every address of the /64 was counted on its own: 2^64 of them, never blocked in an hour.
  { name: '65,536 addresses in one IPv6 /64', keysBefore: 65_536, keysAfter: 1 },
];

const figures: Record<string, { before: number; after: number }> = {};
for (const scenario of scenarios) {
  const before = guessesPerHour(scenario.keysBefore, false);
  const after = guessesPerHour(scenario.keysAfter, true);
  figures[scenario.name] = { before, after };
  process.stderr.write(
    `${scenario.name.padEnd(34)} before ${String(before).padStart(9)}   after ${String(after).padStart(6)}\n`,
  );
}
process.stderr.write(
  `(per address: ${perAddress.maxAttempts} per ${perAddress.windowMs / 1000} s, then ${perAddress.blockMs / 1000} s blocked; ` +
    `budget: ${budget.maxFailures} per ${budget.windowMs / 1000} s from all addresses, then turns 1 s doubling to ${MAX_PAUSE_MS / 1000} s. ` +
    "Before, the /64 row is a lower bound: an attacker there has 2^64 addresses, so only the server's capacity limits it.)\n",
);
process.stdout.write(`${JSON.stringify({ perAddress, budget, guessesPerHour: figures })}\n`);
