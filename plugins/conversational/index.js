// conversational 1.0.0: built by talon-skill, do not edit

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
var DEFAULT_SYSTEM = "You are Talon, the personal assistant of the one person writing to you. Answer briefly and plainly, in the language they write in. Say so when you do not know.";
var MAX_REMEMBERED_CHARS = 2e3;
var MAX_MESSAGE_CHARS = 8e3;
function messageOf(input) {
  if (typeof input === "string") return { text: input.trim(), chat: "default" };
  const { text, chatId } = input ?? {};
  if (typeof text !== "string") return void 0;
  const chat = typeof chatId === "string" || typeof chatId === "number" ? String(chatId) : "default";
  return { text: text.trim(), chat };
}
function isMemory(value) {
  return value !== null && typeof value === "object" && typeof value.at === "number" && Array.isArray(value.messages);
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const message = messageOf(input);
    if (!message || message.text === "") {
      return branch("on_error", { message: "nothing to answer: the input must be a message text" });
    }
    const text = message.text.slice(0, MAX_MESSAGE_CHARS);
    const key = `memory:${message.chat}`;
    const now = Date.now();
    const stored = await api.storage.get(key);
    const fresh = isMemory(stored) && now - stored.at <= (config.memoryMinutes ?? 60) * 6e4;
    const history = fresh ? stored.messages : [];
    let reply;
    try {
      const answer = await api.llm.complete({
        system: config.system ?? DEFAULT_SYSTEM,
        messages: [...history, { role: "user", content: text }],
        ...config.tier ? { tier: config.tier } : {},
        ...config.maxTokens ? { maxTokens: config.maxTokens } : {}
      });
      reply = answer.text.trim();
    } catch (error) {
      const code = error.code ?? "error";
      return branch("on_error", { message: `${code}: ${error.message}` });
    }
    const keep = (config.memoryTurns ?? 6) * 2;
    const messages = [
      ...history,
      { role: "user", content: text.slice(0, MAX_REMEMBERED_CHARS) },
      { role: "assistant", content: reply.slice(0, MAX_REMEMBERED_CHARS) }
    ].slice(keep === 0 ? 2 : -keep);
    if (keep === 0) await api.storage.delete(key);
    else await api.storage.set(key, { at: now, messages });
    return reply === "" ? branch("on_error", { message: "the model gave an empty answer" }) : reply;
  }
});
export {
  index_default as default
};
