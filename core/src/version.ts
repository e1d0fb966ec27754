import { readFileSync } from 'node:fs';

const rootPackage = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The version of Talon that is running, as the root package.json says. */
export const TALON_VERSION: string = rootPackage.version;
