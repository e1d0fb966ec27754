/** A unified diff read inside the sandbox: which files, how many lines added and removed, and a cut. */

export interface DiffSummary {
  files: string[];
  additions: number;
  deletions: number;
}

export function summarizeDiff(diff: string): DiffSummary {
  const files: string[] = [];
  let additions = 0;
  let deletions = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const at = line.lastIndexOf(' b/');
      files.push(at >= 0 ? line.slice(at + 3) : line.slice(11));
    } else if (line.startsWith('+') && !line.startsWith('+++')) additions++;
    else if (line.startsWith('-') && !line.startsWith('---')) deletions++;
  }
  return { files, additions, deletions };
}

/** The first `max` characters, cut at a line's end where there is one. */
export function capDiff(diff: string, max: number): { text: string; truncated: boolean } {
  if (diff.length <= max) return { text: diff, truncated: false };
  const cut = diff.lastIndexOf('\n', max);
  return { text: diff.slice(0, cut > max / 2 ? cut : max), truncated: true };
}
