import { api, type JsonValue, type SkillManifestView, type SkillStatus } from './api/client.ts';

/** What a skill's manifest says that the workflow editor shows (plugins-sdk/src/manifest.ts). */
export interface SkillManifestInfo {
  name: string;
  version: string;
  description: string;
  routes?: string[];
  configSchema?: Record<string, unknown>;
  ui?: {
    fields?: string[];
    configScaffold?: Record<string, JsonValue>;
    presets?: { name: string; config: Record<string, JsonValue> }[];
    help?: string;
  };
}

/** A loaded skill as the workflow editor offers it: what it is, the branches it returns, how to configure it. */
export interface SkillChoice {
  name: string;
  version: string;
  kind: SkillStatus['kind'];
  /** Empty when Talon does not say (a skill whose manifest the admin cannot see). */
  description: string;
  /** Branches `run` may return (the SDK's default when the manifest names none). */
  routes: string[];
  configSchema: Record<string, unknown> | undefined;
  ui: NonNullable<SkillManifestInfo['ui']>;
  /** False when neither the API nor the shipped manifests describe this version: routes are the default. */
  described: boolean;
  /** It may call a language model (`llm` permission): its step's data may reach an LLM provider. */
  usesLlm: boolean;
}

const DEFAULT_ROUTES = ['on_success', 'on_error'];

// The API names core skills but does not hand out their manifests; they ship with Talon, so the
// admin is built with the very same `skill.json` files (matched by version below).
const shippedManifests = Object.values(
  import.meta.glob<SkillManifestInfo>('../../plugins/*/skill.json', { eager: true, import: 'default' }),
);

function choiceOf(status: SkillStatus, manifest: SkillManifestInfo | undefined): SkillChoice {
  const matching = manifest && manifest.version === status.version ? manifest : undefined;
  return {
    name: status.name,
    version: status.version,
    kind: status.kind,
    description: matching?.description ?? '',
    routes: matching?.routes ?? DEFAULT_ROUTES,
    configSchema: matching?.configSchema,
    ui: matching?.ui ?? {},
    described: matching !== undefined,
    usesLlm: status.permissions.includes('llm'),
  };
}

/** The skills loaded in the runtime, each with what its manifest says, sorted by name. */
export async function loadSkillChoices(): Promise<SkillChoice[]> {
  const [{ skills }, approvals] = await Promise.all([api.skills(), api.skillApprovals()]);
  const manifests = new Map<string, SkillManifestInfo>();
  for (const manifest of shippedManifests) manifests.set(manifest.name, manifest);
  for (const approved of approvals.dynamic) {
    // The server validated the manifest against the SDK's schema before approving it.
    if (approved.manifest)
      manifests.set(approved.name, approved.manifest as SkillManifestView & SkillManifestInfo);
  }
  return skills
    .map((status) => choiceOf(status, manifests.get(status.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}
