import { branch, defineSkill } from '@talon/plugins-sdk/skill';
import { capDiff, summarizeDiff } from './diff.ts';
import { fetchChange } from './github-api.ts';
import { describe, targetOf, type Config } from './target.ts';
import { clip, readVerdict, SYSTEM_PROMPT } from './verdict.ts';

const DEFAULT_MAX_DIFF_CHARS = 60_000;

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const notify = config.notify !== false;
    const tell = async (text: string): Promise<boolean> => {
      if (!notify) return false;
      try {
        await api.telegram.send(clip(text));
        return true;
      } catch (error) {
        await api.log.warn('could not send the review to Telegram', { reason: (error as Error).message });
        return false;
      }
    };
    const target = targetOf(input, config);
    if (typeof target === 'string') return branch('on_error', { message: target });
    const what = describe(target);
    try {
      const change = await fetchChange(api, target);
      const stats = summarizeDiff(change.diff);
      if (change.diff.trim() === '' || stats.files.length === 0) {
        const notified = await tell(`Security review: ${what} changes nothing to review.`);
        return branch('on_empty', { ...target, title: change.title, url: change.url, notified });
      }
      const max = config.maxDiffChars ?? DEFAULT_MAX_DIFF_CHARS;
      const diff = capDiff(change.diff, max);
      const answer = await api.llm.complete({
        system: SYSTEM_PROMPT,
        prompt: [
          `Review ${what}: ${change.title}`,
          `Author: ${change.author || 'unknown'}. Files (${stats.files.length}): ${stats.files.slice(0, 50).join(', ')}`,
          diff.truncated ? `The diff below is cut at ${max} characters.` : 'The whole diff follows.',
        ].join('\n'),
        untrusted: diff.text,
        maxTokens: 1024,
        ...(config.tier ? { tier: config.tier } : {}),
      });
      const verdict = readVerdict(answer.text);
      const counts = `${stats.files.length} file${stats.files.length === 1 ? '' : 's'}, +${stats.additions} −${stats.deletions}`;
      const notes = [
        diff.truncated ? `diff cut at ${max} characters` : '',
        change.fromFiles ? 'diff from the file list' : '',
      ]
        .filter(Boolean)
        .join('; ');
      const message = [
        `Security review: ${what}${change.title ? ` — ${change.title}` : ''}`,
        `RISK: ${verdict.risk}`,
        'FINDINGS:',
        verdict.findings || '- (none given)',
        `SUMMARY: ${verdict.summary || '(none given)'}`,
        `RECOMMENDATION: ${verdict.recommendation || '(none given)'}`,
        `${counts}${notes ? ` (${notes})` : ''}`,
        change.url,
      ]
        .filter((line) => line !== '')
        .join('\n');
      const notified = await tell(message);
      return branch('on_diff', {
        ...target,
        title: change.title,
        url: change.url,
        risk: verdict.risk,
        findings: verdict.findings,
        summary: verdict.summary,
        recommendation: verdict.recommendation,
        files: stats.files.length,
        additions: stats.additions,
        deletions: stats.deletions,
        truncated: diff.truncated,
        model: `${answer.provider}/${answer.model}`,
        notified,
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason = `${code ? `${code}: ` : ''}${(error as Error).message}`;
      const notified = await tell(`Security review of ${what} failed: ${reason}`);
      return branch('on_error', { ...target, message: reason, notified });
    }
  },
});
