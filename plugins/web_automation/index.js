// web_automation 1.0.0: built by talon-skill, do not edit

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
var TIMEOUT_CODES = /* @__PURE__ */ new Set(["step_timeout", "replay_timeout"]);
function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}
function textOf(report) {
  const seconds = (report.durationMs / 1e3).toFixed(1);
  const lines = report.status === "succeeded" ? [
    `Replayed ${report.recipe}: succeeded in ${seconds} s (${plural(report.steps.length, "step", "steps")}).`
  ] : [
    `Replay of ${report.recipe} failed${report.error?.step === null || report.error === null ? "" : ` at step ${report.error.step + 1}`} (${report.error?.code ?? "error"}): ${report.error?.message ?? "no reason given"}`
  ];
  if (report.downloads.length > 0) {
    lines.push(
      `${plural(report.downloads.length, "file", "files")} downloaded: ` + report.downloads.map((file) => `${file.name} (${file.bytes} bytes)`).join(", ")
    );
  }
  for (const table of report.data) {
    lines.push(`Table ${table.name}: ${table.headers.length} columns, ${table.rows.length} rows`);
  }
  lines.push(...report.notes);
  return lines.join("\n");
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const recipe = (typeof config.recipe === "string" ? config.recipe : typeof input === "string" ? input : "").trim();
    if (recipe === "") {
      return branch(
        "on_error",
        "Automation error: no_recipe: set the step's recipe, or pass its name as the input"
      );
    }
    let report;
    try {
      report = await api.automation.run(recipe, config.parameters ?? {});
    } catch (error) {
      const code = error.code ?? "error";
      return branch("on_error", `Automation error: ${code}: ${error.message}`);
    }
    const output = config.output === "object" ? report : textOf(report);
    if (report.status === "succeeded") return output;
    return branch(TIMEOUT_CODES.has(report.error?.code ?? "") ? "on_timeout" : "on_error", output);
  }
});
export {
  index_default as default
};
