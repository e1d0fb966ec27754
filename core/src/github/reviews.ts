/**
 * The built-in security review (`github_security_review`, a core skill): started by `/github`, and
 * by a GitHub delivery no workflow is bound to. Reviews run on this node, a few at a time, in the
 * order asked; the skill sends its verdict to the owner's chat itself. When the skill cannot run at
 * all (not loaded, its circuit open, a crash), the owner is told here instead.
 */
import type { SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { describeTarget, type ReviewTarget } from './review-target.ts';

export const SECURITY_REVIEW_SKILL = 'github_security_review';

/** Reviews running at once on one node: each is a few GitHub calls and one LLM call. */
export const REVIEWS_AT_ONCE = 2;
/** Reviews waiting beyond those; more are refused (a flood of pushes must not queue forever). */
export const REVIEWS_WAITING_MAX = 20;

export type ReviewStart = { queued: true; ahead: number } | { queued: false; reason: string };

/** What `/github` and the GitHub webhook need. */
export interface ReviewPort {
  start(target: ReviewTarget, origin: string): ReviewStart;
}

export class SecurityReviews implements ReviewPort {
  readonly #runtime: SkillRuntime;
  readonly #logger: Logger;
  readonly #waiting: { target: ReviewTarget; origin: string }[] = [];
  #running = 0;
  #idle: (() => void)[] = [];
  #tellOwner: ((text: string) => Promise<void>) | undefined;

  constructor(options: { runtime: SkillRuntime; logger: Logger }) {
    this.#runtime = options.runtime;
    this.#logger = options.logger;
  }

  /** How the owner hears of a review that could not run (boot.ts: the gateway, to the owner's chat). */
  attachOwner(tell: (text: string) => Promise<void>): void {
    this.#tellOwner = tell;
  }

  start(target: ReviewTarget, origin: string): ReviewStart {
    if (this.#waiting.length >= REVIEWS_WAITING_MAX) {
      return { queued: false, reason: `${REVIEWS_WAITING_MAX} reviews are already waiting: try again later` };
    }
    const ahead = this.#waiting.length + this.#running;
    this.#waiting.push({ target, origin });
    this.#pump();
    return { queued: true, ahead };
  }

  /** Resolves when no review runs or waits (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drops what waits; what runs finishes. */
  stop(): Promise<void> {
    this.#waiting.length = 0;
    return this.idle();
  }

  #pump(): void {
    while (this.#running < REVIEWS_AT_ONCE && this.#waiting.length > 0) {
      const next = this.#waiting.shift()!;
      this.#running++;
      void this.#review(next.target, next.origin).finally(() => {
        this.#running--;
        this.#pump();
        if (this.#running === 0 && this.#waiting.length === 0) {
          for (const resolve of this.#idle.splice(0)) resolve();
        }
      });
    }
  }

  async #review(target: ReviewTarget, origin: string): Promise<void> {
    const what = describeTarget(target);
    try {
      const result = await this.#runtime.run(SECURITY_REVIEW_SKILL, { input: target });
      if (result.ok) {
        this.#logger.info({ review: what, origin, branch: result.branch }, 'security review done');
        return;
      }
      this.#logger.warn({ review: what, origin, code: result.error.code }, result.error.message);
      await this.#tellOwner?.(
        `Security review of ${what} could not run: ${result.error.code}: ${result.error.message}`,
      );
    } catch (error) {
      this.#logger.error({ review: what, origin, reason: errorMessage(error) }, 'security review failed');
    }
  }
}
