#!/usr/bin/env node
// The talon-skill CLI. Inside a Talon checkout the TypeScript sources run as they are (Node 24 strips
// types); an installed copy lives under node_modules, where Node refuses to strip types, so it runs
// the bundle that `prepack` writes to dist/ instead.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `pnpm talon-skill ...` runs this from the workspace root; work where the author typed the command.
if (process.env.npm_lifecycle_event === 'talon-skill' && process.env.INIT_CWD)
  process.chdir(process.env.INIT_CWD);

const here = realpathSync(fileURLToPath(import.meta.url));
const installed = here.split(/[\\/]/).includes('node_modules');
const entry = new URL(installed ? '../dist/cli.js' : '../src/cli/main.ts', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
