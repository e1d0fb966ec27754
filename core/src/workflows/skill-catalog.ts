import { DEFAULT_ROUTES, type SkillManifest } from '@talon/skill-runtime/contract/manifest.ts';

/** What the workflow engine needs to know about an installed skill to validate and route a step. */
export interface SkillDescription {
  name: string;
  version: string;
  /** Branches `run` may return. */
  routes: readonly string[];
  /** JSON Schema of the step config; undefined = any object. */
  configSchema: Record<string, unknown> | undefined;
  /** Its output comes from outside (web, feeds, APIs): sanitized before the next step gets it. */
  external?: boolean;
  /** What its manifest asks for: a step may choose a secret binding only for a skill with `secrets`... */
  permissions: readonly string[];
  /** ...and only to hosts its `net` reaches (step-secret-bindings.ts). */
  net: readonly string[];
}

/**
 * The installed skills as the workflow engine sees them. The skill lifecycle provides the live one;
 * `catalogFromManifests` builds one from manifests (import checks, tests, the benchmark).
 */
export interface SkillCatalog {
  describe(name: string): SkillDescription | undefined;
}

export function describeManifest(manifest: SkillManifest): SkillDescription {
  return {
    name: manifest.name,
    version: manifest.version,
    routes: manifest.routes ?? DEFAULT_ROUTES,
    configSchema: manifest.configSchema,
    external: manifest.external === true,
    permissions: manifest.permissions,
    net: manifest.net ?? [],
  };
}

/** A catalog over a mutable set of manifests: installing or removing one is seen by the next lookup. */
export class ManifestCatalog implements SkillCatalog {
  readonly #skills = new Map<string, SkillDescription>();

  constructor(manifests: Iterable<SkillManifest> = []) {
    for (const manifest of manifests) this.add(manifest);
  }

  add(manifest: SkillManifest): void {
    this.#skills.set(manifest.name, describeManifest(manifest));
  }

  remove(name: string): void {
    this.#skills.delete(name);
  }

  describe(name: string): SkillDescription | undefined {
    return this.#skills.get(name);
  }
}

/**
 * Whether a step designed against `designed` still fits the installed `installed`: the same major
 * version (for 0.x, the same minor), as semver's caret range reads it.
 */
export function isCompatibleVersion(designed: string, installed: string): boolean {
  const parse = (version: string): number[] | undefined => {
    const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
    return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
  };
  const want = parse(designed);
  const have = parse(installed);
  if (!want || !have) return false;
  const [wantMajor, wantMinor, wantPatch] = want as [number, number, number];
  const [haveMajor, haveMinor, havePatch] = have as [number, number, number];
  if (wantMajor !== haveMajor) return false;
  if (wantMajor === 0 && wantMinor !== haveMinor) return false;
  if (haveMinor !== wantMinor) return haveMinor > wantMinor;
  return havePatch >= wantPatch;
}
