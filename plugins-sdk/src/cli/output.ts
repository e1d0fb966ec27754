/** Where the CLI writes; tests pass their own to capture it. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A failure the CLI reports as one line and exit code 1, without a stack trace. */
export class CliError extends Error {}
