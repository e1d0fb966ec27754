import { describeTarget, isCommitSha, isRepoName, type ReviewTarget } from '../../github/review-target.ts';
import type { CommandGroup } from './command-table.ts';

const USAGE = '/github pr <owner/repo> <number> or /github commit <owner/repo> <sha>';

/** `/github pr owner/repo 12`, `/github commit owner/repo abc1234` → what to review, or what is wrong. */
export function parseGithubArguments(args: string): ReviewTarget | string {
  const [kind, repo, ref, extra] = args.split(/\s+/).filter((part) => part !== '');
  if (kind === undefined || repo === undefined || ref === undefined || extra !== undefined)
    return `Usage: ${USAGE}`;
  if (!isRepoName(repo))
    return `“${repo.slice(0, 100)}” is not a repository: write owner/name. Usage: ${USAGE}`;
  if (kind === 'pr') {
    const number = /^[1-9][0-9]{0,8}$/.test(ref) ? Number(ref) : NaN;
    if (!Number.isInteger(number))
      return `“${ref.slice(0, 20)}” is not a pull request number. Usage: ${USAGE}`;
    return { repo, pr: number };
  }
  if (kind === 'commit') {
    if (!isCommitSha(ref.toLowerCase()))
      return `“${ref.slice(0, 50)}” is not a commit SHA (7 to 40 hex digits). Usage: ${USAGE}`;
    return { repo, sha: ref.toLowerCase() };
  }
  return `Usage: ${USAGE}`;
}

/**
 * `/github pr <owner/repo> <n>`, `/github commit <owner/repo> <sha>` (reference CMD-19): a security
 * review by the `github_security_review` core skill, in the background; its verdict arrives here.
 */
export const githubCommands: CommandGroup = (services) => [
  {
    name: 'github',
    usage: USAGE,
    description: 'a security review of a pull request or a commit; the verdict arrives here',
    handle: async (ctx) => {
      if (!services.github) return ctx.reply('GitHub reviews are not available on this node.');
      const target = parseGithubArguments(ctx.args);
      if (typeof target === 'string') return ctx.reply(target);
      const started = services.github.start(target, ctx.requester.actor);
      if (!started.queued) return ctx.reply(`Not started: ${started.reason}.`);
      const wait = started.ahead > 0 ? ` (${started.ahead} ahead of it)` : '';
      await ctx.reply(`Reviewing ${describeTarget(target)}${wait}: the verdict comes here when it is ready.`);
    },
  },
];
