import { EventEmitter } from 'node:events';

/**
 * What Talon tells its owner without being asked (the Telegram gateway delivers them, the admin
 * shows them). Each kind can be switched off by the owner; `key` groups repeats of one thing
 * ("circuit of rss_fetch opened") so a flapping source is coalesced instead of flooding the chat.
 */
export type AnnouncementKind =
  | 'circuit_opened'
  | 'circuit_closed'
  | 'skill_tampered'
  | 'workflow_failed'
  | 'workflow_waiting_2fa'
  | 'schedule_missed'
  | 'login_blocked'
  | 'login_budget_exhausted'
  | 'step_up_budget_exhausted'
  | 'sandbox_wall_down';

/** Every kind with what the owner's switch for it says; `telegram.announce.<kind>` turns one off. */
export const ANNOUNCEMENT_KINDS: Readonly<Record<AnnouncementKind, string>> = {
  circuit_opened: "a skill's circuit opened (it failed too often and is switched off for a while)",
  circuit_closed: "a skill's circuit closed again",
  skill_tampered: 'a skill was refused at start because its files changed after approval',
  workflow_failed: 'a workflow run failed (with the step and the error)',
  workflow_waiting_2fa: 'a workflow run waits for a 2FA code',
  schedule_missed: 'scheduled runs were missed while no node was up',
  login_blocked: 'an address was blocked after too many wrong passwords',
  login_budget_exhausted: 'wrong passwords used up the global login budget',
  step_up_budget_exhausted: 'wrong 2FA codes used up their budget',
  sandbox_wall_down: "the sandbox's second wall (namespaces) is not available",
};

export interface Announcement {
  kind: AnnouncementKind;
  /** Plain text for the owner, one or two lines; never markup, never a secret. */
  text: string;
  /** Repeats with the same kind and key are coalesced; default: the kind alone. */
  key?: string;
}

interface AnnouncementEventMap {
  announcement: [Announcement & { at: Date }];
}

/** The in-process channel domains announce on; delivery (rate limits, switches, nodes) is the gateway's. */
export class Announcements {
  readonly #events = new EventEmitter<AnnouncementEventMap>();

  /** Never throws: a failing listener must not undo or break the action that announced. */
  announce(announcement: Announcement): void {
    const event = { ...announcement, at: new Date() };
    for (const listener of this.#events.listeners('announcement')) {
      try {
        listener(event);
      } catch {
        // The listener's own failure is its business.
      }
    }
  }

  /** Subscribes; returns the unsubscribe. */
  subscribe(listener: (announcement: Announcement & { at: Date }) => void): () => void {
    this.#events.on('announcement', listener);
    return () => this.#events.off('announcement', listener);
  }
}
