import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Download } from 'playwright-core';
import { SidecarError } from '../errors.ts';
import { FIXED_LIMITS } from '../limits.ts';
import { delay } from '../system/with-timeout.ts';
import type { RunFolder } from './run-files.ts';

/** A file a replay or recording kept: where the caller fetches it, how big it is, its SHA-256. */
export interface SavedFile {
  name: string;
  bytes: number;
  sha256: string;
  /** `GET` this path (with the token) for the bytes. */
  url: string;
}

export interface DownloadCaps {
  /** A single file. */
  maxBytes: number;
  /** What the recipe may still add to the data folder. */
  remainingBytes: number;
}

const MB = 1024 * 1024;

function mb(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

/** The largest file Chromium is writing in `folder` (in-progress downloads end in `.crdownload`). */
async function largestFile(folder: string): Promise<number> {
  let largest = 0;
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    largest = Math.max(largest, (await stat(path.join(folder, name)).catch(() => undefined))?.size ?? 0);
  }
  return largest;
}

function refusal(download: Download, size: number, caps: DownloadCaps): SidecarError | undefined {
  const name = download.suggestedFilename();
  if (size > caps.maxBytes) {
    return new SidecarError(
      'download_too_large',
      `The download ${name} passed ${mb(caps.maxBytes)}, the limit for one file`,
      422,
    );
  }
  if (size > caps.remainingBytes) {
    return new SidecarError(
      'download_quota_exceeded',
      `The download ${name} would pass this recipe's storage quota (${mb(caps.remainingBytes)} left); delete old runs' files`,
      422,
    );
  }
  return undefined;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Waits for `download` to finish while watching its size in Chromium's downloads folder: past a cap
 * it is cancelled and the step fails with the reason. A finished file is copied into the run folder
 * and removed from Chromium's.
 */
export async function saveDownload(
  download: Download,
  downloadsDir: string,
  caps: DownloadCaps,
  into: RunFolder,
): Promise<SavedFile> {
  let finished = false;
  const done = download.path().finally(() => {
    finished = true;
  });
  done.catch(() => undefined);
  while (!finished) {
    const problem = refusal(download, await largestFile(downloadsDir), caps);
    if (problem) {
      await download.cancel();
      await download.delete().catch(() => undefined);
      throw problem;
    }
    await Promise.race([done.catch(() => undefined), delay(FIXED_LIMITS.downloadPollMs)]);
  }
  const failure = await download.failure();
  if (failure !== null) {
    throw new SidecarError(
      'download_failed',
      `The download ${download.suggestedFilename()} failed: ${failure}`,
      502,
    );
  }
  const source = await done;
  const { size } = await stat(source);
  const problem = refusal(download, size, caps);
  if (problem) {
    await download.delete().catch(() => undefined);
    throw problem;
  }
  const target = into.reserve(download.suggestedFilename());
  await copyFile(source, target.path);
  await download.delete().catch(() => undefined);
  return {
    name: target.name,
    bytes: size,
    sha256: await sha256Of(target.path),
    url: `/files/${into.id}/${target.name}`,
  };
}
