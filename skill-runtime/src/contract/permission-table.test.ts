import { describe, expect, it } from 'vitest';
import { SKILL_PERMISSIONS } from '../../../plugins-sdk/src/permissions.ts';
import { SKILL_API_FUNCTIONS } from '../../../plugins-sdk/src/skill-api.ts';
import { FUNCTION_PERMISSIONS, PERMISSION_TABLE } from './permission-table.ts';
import { hostFunctions } from './skill-api/host-functions.ts';

describe('the permission table', () => {
  it('lists exactly the permissions a manifest may ask for', () => {
    expect(Object.keys(PERMISSION_TABLE).sort()).toEqual([...SKILL_PERMISSIONS].sort());
  });

  it('gates exactly the functions the SDK offers skill authors, each by the same permission', () => {
    expect(Object.fromEntries(FUNCTION_PERMISSIONS)).toEqual(SKILL_API_FUNCTIONS);
  });

  it('has a host implementation for every function and nothing more', () => {
    const functions = hostFunctions({
      pool: undefined as never,
      settings: undefined as never,
      network: { allowPlainHttp: false, allowPrivateAddresses: false },
    });
    expect(Object.keys(functions).sort()).toEqual([...FUNCTION_PERMISSIONS.keys()].sort());
  });
});
