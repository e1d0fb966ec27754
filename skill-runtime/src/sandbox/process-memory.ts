import { readFile } from 'node:fs/promises';

/**
 * Resident memory of a process in MiB, from /proc/<pid>/status (Linux). Undefined when the process
 * is gone or /proc is not there (other systems then rely on the isolate's own heap limit).
 */
export async function residentMemoryMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
