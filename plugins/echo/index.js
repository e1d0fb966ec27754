// echo 1.0.0: built by talon-skill, do not edit

// ../../plugins-sdk/src/define-skill.ts
function defineSkill(definition) {
  return definition;
}

// src/index.ts
var index_default = defineSkill({
  async run({ input, config, api }) {
    if (config.log === true) {
      await api.log.info("echo", {
        type: Array.isArray(input) ? "array" : input === null ? "null" : typeof input
      });
    }
    return config.wrap ? { [config.wrap]: input } : input;
  }
});
export {
  index_default as default
};
