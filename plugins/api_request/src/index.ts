import { branch, defineSkill, type JsonObject, type JsonValue } from '@talon/plugins-sdk/skill';
import { fill, fillJson } from './template.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
type Config = {
  method?: Method;
  url: string;
  headers?: Record<string, string>;
  body?: JsonValue;
  sendInput?: boolean;
  timeoutMs?: number;
  /** Chosen in the workflow step; the host applies it (the skill names the handle only). */
  secretBinding?: { handle: string };
};

/** A JSON answer parsed; anything else as text. */
function parseBody(headers: Record<string, string>, body: string): JsonValue {
  if (!(headers['content-type'] ?? '').toLowerCase().includes('json')) return body;
  try {
    return JSON.parse(body) as JsonValue;
  } catch {
    return body;
  }
}

function routeOf(status: number): string {
  if (status >= 200 && status < 300) return 'on_2xx';
  if (status >= 400 && status < 500) return 'on_4xx';
  if (status >= 500 && status < 600) return 'on_5xx';
  return 'on_error';
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const method = config.method ?? 'GET';
    const url = fill(config.url, input, encodeURIComponent);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers ?? {})) headers[name] = fill(value, input);
    const filled = config.sendInput
      ? input
      : config.body === undefined
        ? undefined
        : fillJson(config.body, input);
    // Objects and arrays go as JSON (the host sets the content type), strings as they are.
    const body =
      filled === undefined || typeof filled === 'string' || (typeof filled === 'object' && filled !== null)
        ? (filled as string | JsonObject | JsonValue[] | undefined)
        : JSON.stringify(filled);
    try {
      const response = await api.http.fetch(url, {
        method,
        headers,
        ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
        ...(config.secretBinding ? { secret: config.secretBinding.handle } : {}),
        timeoutMs: config.timeoutMs ?? 15_000,
      });
      const kept: JsonObject = {};
      for (const name of ['content-type', 'location', 'retry-after']) {
        const value = response.headers[name];
        if (value !== undefined) kept[name] = value;
      }
      return branch(routeOf(response.status), {
        status: response.status,
        headers: kept,
        body: parseBody(response.headers, response.body),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch(code === 'timeout' ? 'on_timeout' : 'on_error', {
        url,
        message: `${code}: ${(error as Error).message}`,
      });
    }
  },
});
