import { branch, defineSkill, type JsonValue } from '@talon/plugins-sdk/skill';

type Config = { recipe?: string; parameters?: Record<string, string>; output?: 'text' | 'object' };

interface FileView {
  name: string;
  bytes: number;
  url: string;
}
interface Report {
  recipe: string;
  status: 'succeeded' | 'failed';
  error: { code: string; message: string; step: number | null } | null;
  durationMs: number;
  steps: unknown[];
  downloads: FileView[];
  data: { name: string; headers: string[]; rows: string[][] }[];
  notes: string[];
}

const TIMEOUT_CODES = new Set(['step_timeout', 'replay_timeout']);

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** What happened, in words: the outcome, the files kept, the tables read. */
function textOf(report: Report): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const lines =
    report.status === 'succeeded'
      ? [
          `Replayed ${report.recipe}: succeeded in ${seconds} s (${plural(report.steps.length, 'step', 'steps')}).`,
        ]
      : [
          `Replay of ${report.recipe} failed${report.error?.step === null || report.error === null ? '' : ` at step ${report.error.step + 1}`}` +
            ` (${report.error?.code ?? 'error'}): ${report.error?.message ?? 'no reason given'}`,
        ];
  if (report.downloads.length > 0) {
    lines.push(
      `${plural(report.downloads.length, 'file', 'files')} downloaded: ` +
        report.downloads.map((file) => `${file.name} (${file.bytes} bytes)`).join(', '),
    );
  }
  for (const table of report.data) {
    lines.push(`Table ${table.name}: ${table.headers.length} columns, ${table.rows.length} rows`);
  }
  lines.push(...report.notes);
  return lines.join('\n');
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const recipe = (
      typeof config.recipe === 'string' ? config.recipe : typeof input === 'string' ? input : ''
    ).trim();
    if (recipe === '') {
      return branch(
        'on_error',
        "Automation error: no_recipe: set the step's recipe, or pass its name as the input",
      );
    }
    let report: Report;
    try {
      report = (await api.automation.run(recipe, config.parameters ?? {})) as unknown as Report;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch('on_error', `Automation error: ${code}: ${(error as Error).message}`);
    }
    const output: JsonValue = config.output === 'object' ? (report as unknown as JsonValue) : textOf(report);
    if (report.status === 'succeeded') return output;
    return branch(TIMEOUT_CODES.has(report.error?.code ?? '') ? 'on_timeout' : 'on_error', output);
  },
});
