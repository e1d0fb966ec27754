// api_request 1.0.0: built by talon-skill, do not edit

// ../../skill-runtime/src/contract/skill-api.ts
var BRANCH_KEY = "$branch";

// ../../plugins-sdk/src/define-skill.ts
function defineSkill(definition) {
  return definition;
}
function branch(name, result) {
  return { [BRANCH_KEY]: name, result };
}

// src/template.ts
var PLACEHOLDER = /\{input((?:\.[A-Za-z0-9_-]+)*)\}/g;
function valueAt(input, path) {
  let current = input;
  for (const key of path.split(".").filter((part) => part !== "")) {
    if (current === null || typeof current !== "object") return void 0;
    current = current[key];
  }
  return current;
}
function asText(value) {
  if (value === void 0 || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
function fill(template, input, encode = (text) => text) {
  return template.replace(PLACEHOLDER, (_, path) => encode(asText(valueAt(input, path))));
}
function fillJson(value, input) {
  if (typeof value === "string") return fill(value, input);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, input));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fillJson(item, input)])
    );
  }
  return value;
}

// src/index.ts
function parseBody(headers, body) {
  if (!(headers["content-type"] ?? "").toLowerCase().includes("json")) return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
function routeOf(status) {
  if (status >= 200 && status < 300) return "on_2xx";
  if (status >= 400 && status < 500) return "on_4xx";
  if (status >= 500 && status < 600) return "on_5xx";
  return "on_error";
}
var index_default = defineSkill({
  async run({ input, config, api }) {
    const method = config.method ?? "GET";
    const url = fill(config.url, input, encodeURIComponent);
    const headers = {};
    for (const [name, value] of Object.entries(config.headers ?? {})) headers[name] = fill(value, input);
    const filled = config.sendInput ? input : config.body === void 0 ? void 0 : fillJson(config.body, input);
    const body = filled === void 0 || typeof filled === "string" || typeof filled === "object" && filled !== null ? filled : JSON.stringify(filled);
    try {
      const response = await api.http.fetch(url, {
        method,
        headers,
        ...body === void 0 || method === "GET" || method === "HEAD" ? {} : { body },
        ...config.secretBinding ? { secret: config.secretBinding.handle } : {},
        timeoutMs: config.timeoutMs ?? 15e3
      });
      const kept = {};
      for (const name of ["content-type", "location", "retry-after"]) {
        const value = response.headers[name];
        if (value !== void 0) kept[name] = value;
      }
      return branch(routeOf(response.status), {
        status: response.status,
        headers: kept,
        body: parseBody(response.headers, response.body)
      });
    } catch (error) {
      const code = error.code ?? "error";
      return branch(code === "timeout" ? "on_timeout" : "on_error", {
        url,
        message: `${code}: ${error.message}`
      });
    }
  }
});
export {
  index_default as default
};
