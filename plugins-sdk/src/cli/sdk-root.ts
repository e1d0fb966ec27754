import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root of this SDK package, whether it runs from src/ (a checkout) or from dist/ (installed). */
export function sdkRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(folder, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === '@talon/plugins-sdk') return folder;
    }
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error('cannot find the @talon/plugins-sdk package folder');
    folder = parent;
  }
}

/** True when this SDK runs from an installed copy (under node_modules), where only dist/ can run. */
export function sdkInstalled(): boolean {
  return sdkRoot().split(/[\\/]/).includes('node_modules');
}

const ENTRY_SOURCES = {
  index: 'src/index.ts',
  skill: 'src/define-skill.ts',
  testing: 'src/testing/index.ts',
};

/** The file a public entry of the SDK resolves to here: its bundle when installed, its source in a checkout. */
export function sdkEntry(entry: keyof typeof ENTRY_SOURCES): string {
  return path.join(sdkRoot(), sdkInstalled() ? `dist/${entry}.js` : ENTRY_SOURCES[entry]);
}
