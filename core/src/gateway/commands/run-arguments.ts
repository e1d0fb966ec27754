/** `/run` arguments: a workflow (a name, in quotes when it has spaces, or an id prefix) and optional JSON input. */
export type RunArguments =
  { ok: true; target: string; input: unknown; hasInput: boolean } | { ok: false; problem: string };

export const RUN_USAGE = '/run <name or id prefix> [JSON input] — a name with spaces goes in quotes';

export function parseRunArguments(args: string): RunArguments {
  const text = args.trim();
  if (text === '') return { ok: false, problem: `Usage: ${RUN_USAGE}` };
  let target: string;
  let rest: string;
  const quote = text[0];
  if (quote === '"' || quote === '“' || quote === "'") {
    const closing = quote === '“' ? '”' : quote;
    const end = text.indexOf(closing, 1);
    if (end === -1)
      return { ok: false, problem: `The workflow name has no closing quote. Usage: ${RUN_USAGE}` };
    target = text.slice(1, end).trim();
    rest = text.slice(end + 1).trim();
  } else {
    const space = text.search(/\s/);
    target = space === -1 ? text : text.slice(0, space);
    rest = space === -1 ? '' : text.slice(space + 1).trim();
  }
  if (target === '') return { ok: false, problem: `Name a workflow. Usage: ${RUN_USAGE}` };
  if (rest === '') return { ok: true, target, input: null, hasInput: false };
  try {
    return { ok: true, target, input: JSON.parse(rest) as unknown, hasInput: true };
  } catch {
    return {
      ok: false,
      problem: `The input after the workflow name is not valid JSON (a name with spaces goes in quotes). Usage: ${RUN_USAGE}`,
    };
  }
}
