/**
 * What a security review looks at: a pull request or a commit of one GitHub repository. Names are
 * checked as GitHub allows them, so nothing else ever reaches the skill's URL.
 */

export type ReviewTarget = { repo: string; pr: number } | { repo: string; sha: string };

/** GitHub's rules: an owner of 1–39 letters, digits and single dashes; a name of letters, digits, . _ -. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const SHA = /^[0-9a-f]{7,40}$/;

export function isRepoName(text: string): boolean {
  const [owner, name, extra] = text.split('/');
  if (owner === undefined || name === undefined || extra !== undefined) return false;
  return OWNER.test(owner) && NAME.test(name) && name !== '.' && name !== '..';
}

export function isCommitSha(text: string): boolean {
  return SHA.test(text);
}

export function isPullNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1_000_000_000;
}

export function describeTarget(target: ReviewTarget): string {
  return 'pr' in target
    ? `${target.repo} PR #${target.pr}`
    : `${target.repo} commit ${target.sha.slice(0, 7)}`;
}
