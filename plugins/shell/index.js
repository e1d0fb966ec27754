// shell 1.0.0: built by talon-skill, do not edit

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
function textOf(result) {
  const head = result.timedOut ? `$ ${result.command}
Timed out after ${result.timeoutSeconds}s` : `$ ${result.command}
Exit: ${result.exitCode ?? "?"} | Time: ${result.durationMs}ms`;
  const cut = result.truncated ? `

[truncated at ${result.maxOutputChars} chars]` : "";
  return `${head}

${result.output}${cut}`;
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const command = (typeof config.command === "string" ? config.command : typeof input === "string" ? input : "").trim();
    if (command === "") {
      return branch(
        "on_error",
        "Shell error: no_command: set the step's command, or pass the command as a string"
      );
    }
    let result;
    try {
      result = await api.shell.exec(command, []);
    } catch (error) {
      const code = error.code ?? "error";
      return branch("on_error", `Shell error: ${code}: ${error.message}`);
    }
    const output = config.output === "object" ? result : textOf(result);
    if (result.timedOut) return branch("on_timeout", output);
    return result.exitCode === 0 ? output : branch("on_error", output);
  }
});
export {
  index_default as default
};
