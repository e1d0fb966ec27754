import autocannon from 'autocannon';

export interface LoadFigures {
  /** Successful (2xx) requests per second over the measured window. */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  connections: number;
  /** Seconds of load; or `amount` requests in all. */
  durationSeconds?: number;
  amount?: number;
}

/**
 * One autocannon run (POST with a JSON body) on loopback. The load is generated on a worker thread
 * of its own, so it never runs on the event loop of the server it measures (Talon runs in this
 * process; Node-RED in its own).
 */
export async function measure(options: LoadOptions): Promise<LoadFigures> {
  const result = await autocannon({
    workers: 1,
    url: options.url,
    method: 'POST',
    body: options.body,
    headers: { 'content-type': 'application/json', ...options.headers },
    connections: options.connections,
    ...(options.amount === undefined
      ? { duration: options.durationSeconds ?? 10 }
      : { amount: options.amount }),
  });
  const ok = result['2xx'];
  const elapsedSeconds = result.duration;
  return {
    requestsPerSec: Math.round((ok / elapsedSeconds) * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}
