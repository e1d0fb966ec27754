import { branch, defineSkill } from '@talon/plugins-sdk/skill';
import { htmlFragmentText } from '@talon/skill-html-text';
import { parseFeed } from 'htmlparser2';
import { remember, seenKey, shortHash } from './seen-items.ts';

type Config = {
  url?: string;
  maxItems?: number;
  maxSummaryChars?: number;
  includeSeen?: boolean;
  timeoutMs?: number;
};

type Item = {
  id: string;
  title: string;
  link: string | null;
  summary: string;
  published: string | null;
};

function urlFrom(input: unknown, config: Config): string | undefined {
  if (config.url) return config.url;
  if (typeof input === 'string') return input.trim();
  const url = (input as { url?: unknown } | null)?.url;
  return typeof url === 'string' ? url.trim() : undefined;
}

function isoDate(date: Date | undefined): string | null {
  return date !== undefined && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const url = urlFrom(input, config);
    if (!url) return branch('on_error', { message: 'no feed URL: give one as the input or in the config' });
    let body: string;
    try {
      const response = await api.http.fetch(url, {
        timeoutMs: config.timeoutMs ?? 15_000,
        headers: {
          accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9',
        },
      });
      if (response.status < 200 || response.status >= 300) {
        return branch('on_error', {
          url,
          status: response.status,
          message: `the server answered ${response.status}`,
        });
      }
      body = response.body;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch('on_error', { url, message: `${code}: ${(error as Error).message}` });
    }
    const feed = parseFeed(body, { xmlMode: true });
    if (!feed) return branch('on_error', { url, message: 'not an RSS or Atom feed' });

    const maxSummary = config.maxSummaryChars ?? 500;
    let hiddenElements = 0;
    const items: Item[] = feed.items.map((entry) => {
      const summary = htmlFragmentText(entry.description ?? '');
      hiddenElements += summary.hiddenElements;
      const title = htmlFragmentText(entry.title ?? '').text;
      return {
        id: entry.id ?? entry.link ?? `${title}|${isoDate(entry.pubDate) ?? ''}`,
        title,
        link: entry.link?.trim() || null,
        summary: cut(summary.text, maxSummary),
        published: isoDate(entry.pubDate),
      };
    });
    // Newest first where dates say so; the feed's own order otherwise (sort is stable).
    items.sort((a, b) => (b.published ?? '').localeCompare(a.published ?? ''));

    const key = seenKey(url);
    const stored = await api.storage.get(key);
    const seen = Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : [];
    const seenSet = new Set(seen);
    const fresh = config.includeSeen ? items : items.filter((item) => !seenSet.has(shortHash(item.id)));
    // Every item in the feed now counts as seen: a digest shows the newest, never a backlog later.
    await api.storage.set(key, remember(seen, items.map((item) => shortHash(item.id)).reverse()));

    const feedInfo = { title: htmlFragmentText(feed.title ?? '').text, link: feed.link ?? null };
    if (fresh.length === 0) return branch('on_empty', { url, feed: feedInfo, items: [] });
    return branch('on_items', {
      url,
      feed: feedInfo,
      items: fresh.slice(0, config.maxItems ?? 20),
      ...(hiddenElements > 0 ? { hiddenElements } : {}),
    });
  },
});
