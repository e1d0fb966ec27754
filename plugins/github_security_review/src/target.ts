/** What to review: from the step's config, or its input ({ repo, pr }, { repo, sha }, a GitHub trigger's event). */

export type Target = { repo: string; pr: number } | { repo: string; sha: string };

export type Config = {
  repo?: string;
  pr?: number;
  sha?: string;
  notify?: boolean;
  maxDiffChars?: number;
  tier?: 'light' | 'medium' | 'heavy' | 'local';
};

const REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const SHA = /^[0-9a-f]{7,40}$/;

function field(input: unknown, name: string): unknown {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)[name]
    : undefined;
}

export function targetOf(input: unknown, config: Config): Target | string {
  const repo = config.repo ?? field(input, 'repo') ?? field(input, 'repository');
  if (typeof repo !== 'string' || !REPO.test(repo)) {
    return 'name the repository as owner/name (config repo, or the input’s repo)';
  }
  const fromInput =
    field(input, 'event') === 'push' ? undefined : (field(input, 'pr') ?? field(input, 'number'));
  const pr = config.pr ?? (config.sha === undefined ? fromInput : undefined);
  if (pr !== undefined) {
    return typeof pr === 'number' && Number.isInteger(pr) && pr >= 1
      ? { repo, pr }
      : 'the pull request number must be a whole number from 1';
  }
  const sha = config.sha ?? field(input, 'sha');
  if (typeof sha === 'string' && SHA.test(sha)) return { repo, sha };
  return 'say which pull request (pr) or commit (sha) to review';
}

export function describe(target: Target): string {
  return 'pr' in target
    ? `${target.repo} PR #${target.pr}`
    : `${target.repo} commit ${target.sha.slice(0, 7)}`;
}
