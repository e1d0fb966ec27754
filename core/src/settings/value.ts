import { TalonError } from '../errors.ts';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { SETTING_TYPES, type SettingType } from './setting-view.ts';

export { SETTING_TYPES };
export type { JsonValue, SettingType };
export type SettingValue = JsonValue;

export class SettingValueError extends TalonError {
  constructor(message: string) {
    super('invalid_setting_value', message, 400);
  }
}

export function isSettingType(value: string): value is SettingType {
  return (SETTING_TYPES as readonly string[]).includes(value);
}

/**
 * Turns a value given by code or by the admin into the string stored in the database, refusing
 * what does not fit the type (AlexClaw stores "30abc" and reads 30; Talon says what is wrong).
 */
export function serializeSettingValue(key: string, type: SettingType, value: SettingValue): string {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new SettingValueError(`Setting ${key} expects a string`);
      return value;
    case 'integer': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string' || !/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
        throw new SettingValueError(`Setting ${key} expects a whole number`);
      }
      return String(Number(text));
    }
    case 'float': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(Number(text))) {
        throw new SettingValueError(`Setting ${key} expects a number`);
      }
      return String(Number(text));
    }
    case 'boolean':
      if (value === true || value === 'true') return 'true';
      if (value === false || value === 'false') return 'false';
      throw new SettingValueError(`Setting ${key} expects true or false`);
    case 'json':
      if (typeof value === 'string') {
        try {
          JSON.parse(value);
        } catch {
          throw new SettingValueError(`Setting ${key} expects valid JSON`);
        }
        return value;
      }
      return JSON.stringify(value);
  }
}

/** Reads a stored string as its typed value; undefined when the stored text does not fit the type. */
export function parseSettingValue(type: SettingType, stored: string): SettingValue | undefined {
  switch (type) {
    case 'string':
      return stored;
    case 'integer':
      return /^-?\d+$/.test(stored.trim()) ? Number(stored) : undefined;
    case 'float':
      return stored.trim() !== '' && Number.isFinite(Number(stored)) ? Number(stored) : undefined;
    case 'boolean':
      return stored === 'true';
    case 'json':
      try {
        return JSON.parse(stored) as JsonValue;
      } catch {
        return undefined;
      }
  }
}
