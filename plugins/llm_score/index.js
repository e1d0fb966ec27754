// llm_score 1.0.0: built by talon-skill, do not edit

// ../../skill-runtime/src/contract/skill-api.ts
var BRANCH_KEY = "$branch";

// ../../plugins-sdk/src/define-skill.ts
function defineSkill(definition) {
  return definition;
}
function branch(name, result) {
  return { [BRANCH_KEY]: name, result };
}

// src/index.ts
var SYSTEM = 'You rate how relevant items are to a topic. Answer JSON only: {"scores":[{"index":<number>,"score":<0-10>}]}, one entry for each item, where 0 is unrelated and 10 is exactly on topic.';
function itemsOf(input) {
  if (Array.isArray(input)) return input;
  const items = input?.items;
  return Array.isArray(items) ? items : void 0;
}
function describeItem(item) {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
  const picked = {};
  for (const field of ["title", "summary", "text", "description", "name"]) {
    const value = item[field];
    if (value !== void 0) picked[field] = value;
  }
  return Object.keys(picked).length > 0 ? picked : item;
}
function scoresFrom(json, count) {
  const list = Array.isArray(json) ? json : json?.scores;
  if (!Array.isArray(list)) return void 0;
  const scores = new Array(count).fill(0);
  list.forEach((entry, position) => {
    const index = typeof entry === "number" ? position : Number(entry?.index);
    const score = typeof entry === "number" ? entry : Number(entry?.score);
    if (Number.isInteger(index) && index >= 0 && index < count && Number.isFinite(score)) {
      scores[index] = Math.max(0, Math.min(10, score));
    }
  });
  return scores;
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const all = itemsOf(input);
    if (all === void 0) {
      return branch("on_error", { message: "the input must be a list of items, or { items: [...] }" });
    }
    const items = all.slice(0, config.maxItems ?? 100);
    const threshold = config.threshold ?? 6;
    if (items.length === 0) return branch("on_empty", { topic: config.topic, items: [], scored: 0, kept: 0 });
    const batchSize = config.batchSize ?? 10;
    const scored = [];
    for (let start = 0; start < items.length; start += batchSize) {
      const batch = items.slice(start, start + batchSize);
      let json;
      try {
        const answer = await api.llm.complete({
          system: SYSTEM,
          prompt: `Topic: ${config.topic}
Rate each of the ${batch.length} items (index 0 to ${batch.length - 1}) given as JSON below.`,
          // The items come from outside: fenced off as data by the host, never read as instructions.
          untrusted: JSON.stringify(batch.map((item, index) => ({ index, item: describeItem(item) }))),
          json: true,
          temperature: 0,
          ...config.tier ? { tier: config.tier } : {}
        });
        json = answer.json;
      } catch (error) {
        const code = error.code ?? "error";
        return branch("on_error", { message: `${code}: ${error.message}`, scored: scored.length });
      }
      const scores = scoresFrom(json, batch.length);
      if (scores === void 0) {
        return branch("on_error", {
          message: 'the model did not answer with {"scores": [...]}',
          scored: scored.length
        });
      }
      batch.forEach((item, index) => scored.push({ item, score: scores[index] ?? 0, order: start + index }));
    }
    const kept = scored.filter((entry) => entry.score >= threshold).sort((a, b) => b.score - a.score || a.order - b.order).map(
      ({ item, score }) => item !== null && typeof item === "object" && !Array.isArray(item) ? { ...item, score } : { text: item, score }
    );
    const result = { topic: config.topic, items: kept, scored: scored.length, kept: kept.length };
    return branch(kept.length > 0 ? "on_items" : "on_empty", result);
  }
});
export {
  index_default as default
};
