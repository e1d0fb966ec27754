// telegram_notify 1.0.0: built by talon-skill, do not edit

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
var MAX_CHARS = 4e3;
var TRUNCATED = "\n… (truncated)";
function messageOf(input, title) {
  const body = typeof input === "string" ? input : JSON.stringify(input, null, 2);
  const text = title ? `${title}
${body}` : body;
  return text.length > MAX_CHARS ? text.slice(0, MAX_CHARS - TRUNCATED.length) + TRUNCATED : text;
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const text = messageOf(input, config.title);
    if (text.trim() === "") return branch("on_error", { message: "nothing to send: the input is empty" });
    try {
      await api.telegram.send(text, { html: config.html === true });
    } catch (error) {
      const code = error.code ?? "error";
      return branch("on_error", { message: `${code}: ${error.message}` });
    }
    return branch("on_delivered", input);
  }
});
export {
  index_default as default
};
