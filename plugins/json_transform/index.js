// json_transform 1.0.0: built by talon-skill, do not edit

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
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function valueAt(source, dotPath) {
  let current = source;
  for (const key of dotPath.split(".")) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return void 0;
    current = current[key];
  }
  return current;
}
function setField(target, key, value) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
function transform(source, config) {
  const picked = {};
  if (config.pick && config.pick.length > 0) {
    for (const dotPath of config.pick) {
      const value = valueAt(source, dotPath);
      if (value !== void 0) setField(picked, dotPath, value);
    }
  } else {
    for (const [key, value] of Object.entries(source)) setField(picked, key, value);
  }
  const renamed = {};
  for (const [key, value] of Object.entries(picked)) {
    const renameTo = config.rename && Object.hasOwn(config.rename, key) ? config.rename[key] : void 0;
    setField(renamed, renameTo ?? key, value);
  }
  for (const [key, value] of Object.entries(config.defaults ?? {})) {
    if (!Object.hasOwn(renamed, key)) setField(renamed, key, value);
  }
  return renamed;
}
var index_default = defineSkill({
  run({ input, config }) {
    if (Array.isArray(input)) {
      const invalid = input.findIndex((item) => !isObject(item));
      if (invalid !== -1) return branch("on_invalid_input", { message: `item ${invalid} is not an object` });
      return input.map((item) => transform(item, config));
    }
    if (!isObject(input)) {
      return branch("on_invalid_input", { message: "the input must be an object or an array of objects" });
    }
    return transform(input, config);
  }
});
export {
  index_default as default
};
