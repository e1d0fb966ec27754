// llm_transform 1.0.0: built by talon-skill, do not edit

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
var INPUT_PLACEHOLDER = "{input}";
var INPUT_REFERENCE = "(the input: the untrusted content at the end of this message)";
function inputText(input) {
  if (typeof input === "string") return input;
  return JSON.stringify(input ?? null, null, 2);
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const content = inputText(input);
    if (content.trim() === "" || content === "null") {
      return branch("on_error", { message: "nothing to transform: the input is empty" });
    }
    const prompt = config.prompt.includes(INPUT_PLACEHOLDER) ? config.prompt.split(INPUT_PLACEHOLDER).join(INPUT_REFERENCE) : config.prompt;
    try {
      const answer = await api.llm.complete({
        prompt,
        untrusted: content,
        ...config.system ? { system: config.system } : {},
        ...config.tier ? { tier: config.tier } : {},
        ...config.maxTokens ? { maxTokens: config.maxTokens } : {},
        ...config.temperature !== void 0 ? { temperature: config.temperature } : {}
      });
      await api.log.info("transformed", {
        provider: answer.provider,
        model: answer.model,
        outputTokens: answer.usage.outputTokens
      });
      return answer.text;
    } catch (error) {
      const code = error.code ?? "error";
      return branch("on_error", { message: `${code}: ${error.message}` });
    }
  }
});
export {
  index_default as default
};
