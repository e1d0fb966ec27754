import { branch, defineSkill, type JsonObject, type JsonValue } from '@talon/plugins-sdk/skill';

type Config = { pick?: string[]; rename?: Record<string, string>; defaults?: JsonObject };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dot path (`author.name`), or undefined when any step is missing. */
function valueAt(source: JsonObject, dotPath: string): JsonValue | undefined {
  let current: JsonValue | undefined = source;
  for (const key of dotPath.split('.')) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** Sets an own field even when the key is `__proto__`, so no key can reach an object's prototype. */
function setField(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function transform(source: JsonObject, config: Config): JsonObject {
  const picked: JsonObject = {};
  if (config.pick && config.pick.length > 0) {
    for (const dotPath of config.pick) {
      const value = valueAt(source, dotPath);
      if (value !== undefined) setField(picked, dotPath, value);
    }
  } else {
    for (const [key, value] of Object.entries(source)) setField(picked, key, value);
  }
  const renamed: JsonObject = {};
  for (const [key, value] of Object.entries(picked)) {
    const renameTo = config.rename && Object.hasOwn(config.rename, key) ? config.rename[key] : undefined;
    setField(renamed, renameTo ?? key, value);
  }
  for (const [key, value] of Object.entries(config.defaults ?? {})) {
    if (!Object.hasOwn(renamed, key)) setField(renamed, key, value);
  }
  return renamed;
}

export default defineSkill<Config>({
  run({ input, config }) {
    if (Array.isArray(input)) {
      const invalid = input.findIndex((item) => !isObject(item));
      if (invalid !== -1) return branch('on_invalid_input', { message: `item ${invalid} is not an object` });
      return input.map((item) => transform(item as JsonObject, config));
    }
    if (!isObject(input)) {
      return branch('on_invalid_input', { message: 'the input must be an object or an array of objects' });
    }
    return transform(input, config);
  },
});
