import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { Snapshot, TruncatedSnapshot } from './wire-types.ts';

export type { Snapshot, TruncatedSnapshot };

/** Largest serialized step input/output kept in run history; larger ones keep a preview. */
export const SNAPSHOT_LIMIT_BYTES = 16_384;

/**
 * What run history keeps of a value: the value itself when small, otherwise a marked preview, so a
 * skill returning megabytes cannot make the history table grow without bound.
 */
export function capSnapshot(value: JsonValue, limitBytes = SNAPSHOT_LIMIT_BYTES): Snapshot {
  const serialized = JSON.stringify(value) ?? 'null';
  const bytes = Buffer.byteLength(serialized, 'utf8');
  if (bytes <= limitBytes) return value;
  // Slice by characters, then trim until the preview fits the byte limit (multi-byte text).
  let preview = serialized.slice(0, limitBytes);
  while (Buffer.byteLength(preview, 'utf8') > limitBytes)
    preview = preview.slice(0, Math.floor(preview.length * 0.9));
  return { truncated: true, bytes, preview };
}
