/**
 * What a GitHub delivery means to Talon (reference §7 GH-4, with its quirk fixed): a pull request
 * opened, synchronized or reopened, or a push to a branch. Everything else is ignored, saying why.
 * The summary is what a bound workflow's run gets as its input (never the raw payload).
 */
import { isCommitSha, isPullNumber, isRepoName } from './review-target.ts';

export const REVIEWED_PULL_REQUEST_ACTIONS: ReadonlySet<string> = new Set([
  'opened',
  'synchronize',
  'reopened',
]);
const BRANCH_REF_PREFIX = 'refs/heads/';
const DELETED = '0'.repeat(40);

export type GithubEvent =
  | {
      event: 'pull_request';
      action: string;
      repository: string;
      /** The branch the pull request goes into. */
      branch: string;
      number: number;
      /** The head commit. */
      sha: string;
      title: string;
      url: string;
      sender: string;
    }
  | {
      event: 'push';
      repository: string;
      branch: string;
      sha: string;
      /** How many commits the push brought (GitHub lists at most 2,048). */
      commits: number;
      url: string;
      sender: string;
    };

export type GithubEventReading = { kind: 'event'; event: GithubEvent } | { kind: 'ignored'; reason: string };

type Json = { [key: string]: unknown };

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown, max = 1_000): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

export function readGithubEvent(name: string | undefined, payload: unknown): GithubEventReading {
  const body = object(payload);
  const repository = text(object(body?.['repository'])?.['full_name'], 200);
  const sender = text(object(body?.['sender'])?.['login'], 100);
  if (name === 'pull_request') {
    const action = text(body?.['action'], 100);
    const pull = object(body?.['pull_request']);
    if (!REVIEWED_PULL_REQUEST_ACTIONS.has(action)) {
      return { kind: 'ignored', reason: `pull_request ${action || 'without an action'} is not reviewed` };
    }
    const number = pull?.['number'];
    const sha = text(object(pull?.['head'])?.['sha'], 40);
    if (!pull || !isRepoName(repository) || !isPullNumber(number) || !isCommitSha(sha)) {
      return { kind: 'ignored', reason: 'the pull_request payload lacks its repository, number or head' };
    }
    return {
      kind: 'event',
      event: {
        event: 'pull_request',
        action,
        repository,
        branch: text(object(pull['base'])?.['ref'], 255),
        number,
        sha,
        title: text(pull['title'], 300),
        url: text(pull['html_url'], 500),
        sender,
      },
    };
  }
  if (name === 'push') {
    const ref = text(body?.['ref'], 300);
    const after = text(body?.['after'], 40);
    if (!isRepoName(repository) || !ref || !isCommitSha(after)) {
      return { kind: 'ignored', reason: 'the push payload lacks its repository, ref or after' };
    }
    if (after === DELETED) return { kind: 'ignored', reason: `${ref} was deleted` };
    // AlexClaw took the last `/` segment (refs/heads/feature/x → x); the branch is all after refs/heads/.
    if (!ref.startsWith(BRANCH_REF_PREFIX)) return { kind: 'ignored', reason: `${ref} is not a branch` };
    const commits = Array.isArray(body?.['commits']) ? (body['commits'] as unknown[]).length : 0;
    return {
      kind: 'event',
      event: {
        event: 'push',
        repository,
        branch: ref.slice(BRANCH_REF_PREFIX.length),
        sha: after,
        commits,
        url: text(body?.['compare'], 500),
        sender,
      },
    };
  }
  return {
    kind: 'ignored',
    reason: `${name ? `the event ${name.slice(0, 100)}` : 'a delivery without X-GitHub-Event'} is not handled`,
  };
}
