import { branch, defineSkill } from '@talon/plugins-sdk/skill';
import { readableHtml } from '@talon/skill-html-text';

type Config = { url?: string; maxChars?: number; maxLinks?: number; timeoutMs?: number };

const DEFAULT_MAX_CHARS = 10_000;
const DEFAULT_MAX_LINKS = 50;
const DEFAULT_TIMEOUT_MS = 15_000;

/** The URL to fetch: the config's, else the input (a string, or an object with `url`). */
function urlFrom(input: unknown, config: Config): string | undefined {
  if (config.url) return config.url;
  if (typeof input === 'string') return input.trim();
  if (input !== null && typeof input === 'object' && typeof (input as { url?: unknown }).url === 'string') {
    return ((input as { url: string }).url ?? '').trim();
  }
  return undefined;
}

function header(headers: Record<string, string>, name: string): string {
  return headers[name] ?? '';
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const url = urlFrom(input, config);
    if (!url)
      return branch('on_error', {
        message: 'no URL: give one as the input ("https://...") or in the config',
      });
    let response: { status: number; headers: Record<string, string>; body: string };
    try {
      response = await api.http.fetch(url, {
        timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        headers: { accept: 'text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.1' },
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      const message = `${code}: ${(error as Error).message}`;
      return branch(code === 'timeout' ? 'on_timeout' : 'on_error', { url, message });
    }
    if (response.status === 404 || response.status === 410) {
      return branch('on_not_found', { url, status: response.status });
    }
    if (response.status < 200 || response.status >= 300) {
      return branch('on_error', {
        url,
        status: response.status,
        message: `the server answered ${response.status}`,
      });
    }
    const type = header(response.headers, 'content-type').toLowerCase();
    const maxChars = config.maxChars ?? DEFAULT_MAX_CHARS;
    const isHtml = type === '' || type.includes('html') || type.includes('xml');
    if (!isHtml && !type.startsWith('text/') && !type.includes('json')) {
      return branch('on_error', { url, status: response.status, message: `not a page of text (${type})` });
    }
    const page = isHtml
      ? readableHtml(response.body, { baseUrl: url, maxLinks: config.maxLinks ?? DEFAULT_MAX_LINKS })
      : { title: '', text: response.body.trim(), links: [], hiddenElements: 0 };
    const truncated = page.text.length > maxChars;
    if (page.hiddenElements > 0) {
      await api.log.info('dropped hidden elements', { url, hiddenElements: page.hiddenElements });
    }
    return {
      url,
      status: response.status,
      title: page.title,
      text: truncated ? page.text.slice(0, maxChars) : page.text,
      links: page.links,
      hiddenElements: page.hiddenElements,
      truncated,
    };
  },
});
