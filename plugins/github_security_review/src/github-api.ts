/**
 * The GitHub REST API as this skill uses it, through `http.fetch` only: the token is the bound
 * secret `github.token` (the host adds it for api.github.com alone); without one set, public
 * repositories are read anonymously.
 */
import type { HttpRequest, HttpResponse, SkillApi } from '@talon/plugins-sdk/skill';
import type { Target } from './target.ts';

const API = 'https://api.github.com';
const JSON_TYPE = 'application/vnd.github+json';
const DIFF_TYPE = 'application/vnd.github.diff';
const TIMEOUT_MS = 20_000;
/** Files listed when the diff is too large for GitHub to render (its own limit is 3,000 files). */
const FILES_PAGE = 100;

export interface Change {
  title: string;
  url: string;
  author: string;
  diff: string;
  /** The diff was built from the files endpoint (GitHub refused to render the whole diff). */
  fromFiles: boolean;
}

export class GithubError extends Error {}

async function get(api: SkillApi, path: string, accept: string): Promise<HttpResponse> {
  const request: HttpRequest = {
    headers: { accept, 'x-github-api-version': '2022-11-28', 'user-agent': 'talon-security-review' },
    timeoutMs: TIMEOUT_MS,
  };
  try {
    return await api.http.fetch(`${API}${path}`, { ...request, secret: 'github.token' });
  } catch (error) {
    // No token set (or not granted): public repositories can still be read without one.
    const code = (error as { code?: string }).code;
    if (code === 'not_found' || code === 'secret_not_granted')
      return api.http.fetch(`${API}${path}`, request);
    throw error;
  }
}

function refusal(response: HttpResponse, what: string): GithubError {
  let message: string;
  try {
    message = String((JSON.parse(response.body) as { message?: unknown }).message ?? '');
  } catch {
    message = response.body.slice(0, 200);
  }
  const hint =
    response.status === 404
      ? ' (a private repository needs github.token)'
      : response.status === 401
        ? ' (github.token was refused)'
        : '';
  return new GithubError(
    `GitHub answered ${response.status} for ${what}${hint}${message ? `: ${message.slice(0, 200)}` : ''}`,
  );
}

function json(response: HttpResponse, what: string): Record<string, unknown> {
  if (response.status !== 200) throw refusal(response, what);
  try {
    return JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    throw new GithubError(`GitHub's answer for ${what} is not JSON`);
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const login = (value: unknown): string =>
  typeof value === 'object' && value !== null ? text((value as { login?: unknown }).login) : '';

async function pullRequestFiles(api: SkillApi, repo: string, pr: number): Promise<string> {
  const response = await get(api, `/repos/${repo}/pulls/${pr}/files?per_page=${FILES_PAGE}`, JSON_TYPE);
  if (response.status !== 200) throw refusal(response, `the files of ${repo} PR #${pr}`);
  const files = JSON.parse(response.body) as { filename?: unknown; patch?: unknown }[];
  return files
    .map((file) => `diff --git a/${text(file.filename)} b/${text(file.filename)}\n${text(file.patch)}`)
    .join('\n');
}

export async function fetchChange(api: SkillApi, target: Target): Promise<Change> {
  if ('pr' in target) {
    const what = `${target.repo} PR #${target.pr}`;
    const pull = json(await get(api, `/repos/${target.repo}/pulls/${target.pr}`, JSON_TYPE), what);
    const diff = await get(api, `/repos/${target.repo}/pulls/${target.pr}`, DIFF_TYPE);
    // 406: GitHub will not render a diff this large; the files endpoint still lists each patch.
    const tooLarge = diff.status === 406 || diff.status === 422;
    if (diff.status !== 200 && !tooLarge) throw refusal(diff, `the diff of ${what}`);
    return {
      title: text(pull['title']),
      url: text(pull['html_url']),
      author: login(pull['user']),
      diff: tooLarge ? await pullRequestFiles(api, target.repo, target.pr) : diff.body,
      fromFiles: tooLarge,
    };
  }
  const what = `${target.repo} commit ${target.sha.slice(0, 7)}`;
  const commit = json(await get(api, `/repos/${target.repo}/commits/${target.sha}`, JSON_TYPE), what);
  const diff = await get(api, `/repos/${target.repo}/commits/${target.sha}`, DIFF_TYPE);
  if (diff.status !== 200) throw refusal(diff, `the diff of ${what}`);
  const message = text((commit['commit'] as { message?: unknown } | undefined)?.message);
  return {
    title: message.split('\n', 1)[0] ?? '',
    url: text(commit['html_url']),
    author: login(commit['author']),
    diff: diff.body,
    fromFiles: false,
  };
}
