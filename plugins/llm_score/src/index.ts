import { branch, defineSkill, type JsonObject, type JsonValue } from '@talon/plugins-sdk/skill';

type Tier = 'light' | 'medium' | 'heavy' | 'local';
type Config = { topic: string; threshold?: number; batchSize?: number; maxItems?: number; tier?: Tier };
type Item = JsonObject;

const SYSTEM =
  'You rate how relevant items are to a topic. Answer JSON only: {"scores":[{"index":<number>,"score":<0-10>}]}, ' +
  'one entry for each item, where 0 is unrelated and 10 is exactly on topic.';

/** The list to score: the input itself, or its `items` (rss_fetch's output). */
function itemsOf(input: JsonValue): JsonValue[] | undefined {
  if (Array.isArray(input)) return input;
  const items = (input as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? items : undefined;
}

/** What the model reads of an item: its text fields, not ids or bookkeeping. */
function describeItem(item: JsonValue): JsonValue {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const picked: Item = {};
  for (const field of ['title', 'summary', 'text', 'description', 'name']) {
    const value = item[field];
    if (value !== undefined) picked[field] = value;
  }
  return Object.keys(picked).length > 0 ? picked : item;
}

/** Scores by index from the model's JSON; an item it left out scores 0 (never kept by accident). */
function scoresFrom(json: unknown, count: number): number[] | undefined {
  const list = Array.isArray(json) ? json : (json as { scores?: unknown } | null)?.scores;
  if (!Array.isArray(list)) return undefined;
  const scores = new Array<number>(count).fill(0);
  list.forEach((entry, position) => {
    const index = typeof entry === 'number' ? position : Number((entry as { index?: unknown })?.index);
    const score = typeof entry === 'number' ? entry : Number((entry as { score?: unknown })?.score);
    if (Number.isInteger(index) && index >= 0 && index < count && Number.isFinite(score)) {
      scores[index] = Math.max(0, Math.min(10, score));
    }
  });
  return scores;
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const all = itemsOf(input);
    if (all === undefined) {
      return branch('on_error', { message: 'the input must be a list of items, or { items: [...] }' });
    }
    const items = all.slice(0, config.maxItems ?? 100);
    const threshold = config.threshold ?? 6;
    if (items.length === 0) return branch('on_empty', { topic: config.topic, items: [], scored: 0, kept: 0 });
    const batchSize = config.batchSize ?? 10;
    const scored: { item: JsonValue; score: number; order: number }[] = [];
    for (let start = 0; start < items.length; start += batchSize) {
      const batch = items.slice(start, start + batchSize);
      let json: unknown;
      try {
        const answer = await api.llm.complete({
          system: SYSTEM,
          prompt: `Topic: ${config.topic}\nRate each of the ${batch.length} items (index 0 to ${batch.length - 1}) given as JSON below.`,
          // The items come from outside: fenced off as data by the host, never read as instructions.
          untrusted: JSON.stringify(batch.map((item, index) => ({ index, item: describeItem(item) }))),
          json: true,
          temperature: 0,
          ...(config.tier ? { tier: config.tier } : {}),
        });
        json = answer.json;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'error';
        return branch('on_error', { message: `${code}: ${(error as Error).message}`, scored: scored.length });
      }
      const scores = scoresFrom(json, batch.length);
      if (scores === undefined) {
        return branch('on_error', {
          message: 'the model did not answer with {"scores": [...]}',
          scored: scored.length,
        });
      }
      batch.forEach((item, index) => scored.push({ item, score: scores[index] ?? 0, order: start + index }));
    }
    const kept = scored
      .filter((entry) => entry.score >= threshold)
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map(({ item, score }): Item =>
        item !== null && typeof item === 'object' && !Array.isArray(item)
          ? { ...item, score }
          : { text: item, score },
      );
    const result = { topic: config.topic, items: kept, scored: scored.length, kept: kept.length };
    return branch(kept.length > 0 ? 'on_items' : 'on_empty', result);
  },
});
