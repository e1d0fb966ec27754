import type { LeaseTimings } from './poll-lease.ts';

/**
 * Every limit of the Telegram gateway, once, with its unit and why. Times that tests shorten are
 * passed in (see `GatewayTimings`); these are the production values.
 */

/** Telegram refuses a message longer than this (characters, after entity parsing). */
export const TELEGRAM_MESSAGE_MAX_CHARS = 4096;
/** A reply is split into at most this many messages; the rest is cut with a pointer to the admin. */
export const REPLY_MAX_PARTS = 5;
/** Longest text a skill may send with `telegram.send` in one call (one Telegram message). */
export const SKILL_MESSAGE_MAX_CHARS = TELEGRAM_MESSAGE_MAX_CHARS;
/** Longest incoming text the dispatcher reads (Telegram's own limit for a message). */
export const INCOMING_TEXT_MAX_CHARS = 4096;

/** `getUpdates` long-poll timeout (seconds): Telegram holds the request open this long. */
export const LONG_POLL_TIMEOUT_SECONDS = 30;
/** The poller's lease is renewed this often (milliseconds)… */
export const LEASE_RENEW_MS = 10_000;
/** …and lapses this long after its last renewal (milliseconds), when another node takes over. */
export const LEASE_EXPIRY_MS = 30_000;
/** Reconnect backoff after a failed call to Telegram doubles from `telegram.poll_interval` up to this. */
export const MAX_BACKOFF_MS = 60_000;

/** A 2FA challenge that is not a waiting workflow run expires this long after it was asked (seconds). */
export const CHALLENGE_TTL_SECONDS = 120;
/** Wrong codes that cancel a challenge. */
export const CHALLENGE_MAX_WRONG_CODES = 5;
/** An admin step-up approved from Telegram must be used within this (seconds). */
export const STEP_UP_GRANT_TTL_SECONDS = 120;
/** The otpauth:// URI sent at `/setup 2fa` is deleted after this, if enrolment was not confirmed (seconds). */
export const ENROLMENT_MESSAGE_TTL_SECONDS = 600;

/** Announcements sent per minute, across every node, at most. */
export const ANNOUNCEMENTS_PER_MINUTE = 20;
/** Repeats of one announcement (same kind and key) within this are sent as one summary (milliseconds). */
export const ANNOUNCEMENT_REPEAT_WINDOW_MS = 10 * 60_000;
/** Undelivered announcements older than this are dropped rather than sent stale (hours). */
export const ANNOUNCEMENT_MAX_AGE_HOURS = 24;
/** `telegram.send` calls per skill per minute, across every node. */
export const SKILL_SENDS_PER_MINUTE = 10;
/** A refused chat is written to the audit log at most this often (per chat, per minute). */
export const REFUSED_AUDITS_PER_MINUTE = 1;
/** How many refused chat ids the admin lists. */
export const REFUSED_CHATS_LISTED = 10;
/** Handled update ids are kept this long to recognise a redelivery (hours). */
export const UPDATE_IDS_KEPT_HOURS = 48;

/** The times above that tests shorten, in one object (the gateway takes a partial override). */
export interface GatewayTimings {
  lease: LeaseTimings;
  longPollTimeoutSeconds: number;
  challengeTtlSeconds: number;
  /** How often the lease holder delivers announcements and tidies up (milliseconds). */
  dutiesIntervalMs: number;
  maxBackoffMs: number;
  announcementRepeatWindowMs: number;
  announcementsPerMinute: number;
}

export const DEFAULT_TIMINGS: GatewayTimings = {
  lease: { renewMs: LEASE_RENEW_MS, expiryMs: LEASE_EXPIRY_MS },
  longPollTimeoutSeconds: LONG_POLL_TIMEOUT_SECONDS,
  challengeTtlSeconds: CHALLENGE_TTL_SECONDS,
  dutiesIntervalMs: 1_000,
  maxBackoffMs: MAX_BACKOFF_MS,
  announcementRepeatWindowMs: ANNOUNCEMENT_REPEAT_WINDOW_MS,
  announcementsPerMinute: ANNOUNCEMENTS_PER_MINUTE,
};
