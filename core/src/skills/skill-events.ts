import { EventEmitter } from 'node:events';
import type { SkillKind } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { PendingSkill } from './pending-skills.ts';

/** A package that did not match what was approved (or built) and was therefore not run. */
export interface SkillTamperedEvent {
  name: string;
  kind: SkillKind;
  reason: string;
  expectedChecksum: string | undefined;
  actualChecksum: string | undefined;
}

export interface SkillLifecycleEventMap {
  /** Announced to the owner (the gateway carries it to Telegram). */
  'skill.tampered': [SkillTamperedEvent];
  /** A folder appeared or changed and waits for the owner's approval. */
  'skill.pending': [PendingSkill];
  'skill.loaded': [{ name: string; version: string; checksum: string }];
  'skill.unloaded': [{ name: string }];
}

/** Lifecycle events other domains (gateway, admin live updates) subscribe to. */
export class SkillLifecycleEvents extends EventEmitter<SkillLifecycleEventMap> {
  /** Emits without letting a failing listener undo or break the action that announced the event. */
  announce<K extends keyof SkillLifecycleEventMap>(event: K, ...args: SkillLifecycleEventMap[K]): void {
    try {
      (this.emit as (name: K, ...rest: SkillLifecycleEventMap[K]) => boolean)(event, ...args);
    } catch {
      // A listener's own failure is its business; the lifecycle goes on.
    }
  }
}
