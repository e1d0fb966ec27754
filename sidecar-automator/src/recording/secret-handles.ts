import type { RecipeSecret } from '@talon/skill-runtime/recipes/index.ts';

/** `current-password` → `password`, `One-time code` → `one_time_code`; always a valid handle. */
export function handleFromHint(hint: string): string {
  const words = hint
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  if (words === '') return 'secret';
  return /^[a-z]/.test(words) ? words : `secret_${words}`;
}

/**
 * The secret handles of one recording: one per secret field (a field filled twice keeps its handle),
 * named from the field and made unique (`password`, `password_2`).
 */
export class SecretHandles {
  readonly #byField = new Map<string, string>();
  readonly #secrets: RecipeSecret[] = [];

  /** The handle for the field identified by `fieldKey`, named from `hint` the first time. */
  handleFor(fieldKey: string, hint: string, description: string): string {
    const known = this.#byField.get(fieldKey);
    if (known) return known;
    const base = handleFromHint(hint);
    let handle = base;
    for (let copy = 2; this.#secrets.some((secret) => secret.handle === handle); copy += 1)
      handle = `${base}_${copy}`;
    this.#byField.set(fieldKey, handle);
    this.#secrets.push({ handle, description: `Typed into ${description} while recording` });
    return handle;
  }

  list(): RecipeSecret[] {
    return this.#secrets.map((secret) => ({ ...secret }));
  }
}
