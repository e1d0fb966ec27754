/**
 * The files a `/replay` from Telegram sends to the chat as documents: each download the run kept,
 * read from that run's own folder under a name the run recorded (one path segment, opened without
 * following a link), within Telegram's size limit and a count per report. A file that is not sent
 * is named in the report with the reason, and the admin still serves it.
 */
import { constants, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.ts';
import { TELEGRAM_DOCUMENT_MAX_BYTES, TELEGRAM_FILES_PER_REPORT } from './limits.ts';
import { isKeptFileName, type KeptFile } from './run-store.ts';

/** Where documents go: the gateway's outbound (structurally; the domain does not import the gateway). */
export interface DocumentChannel {
  sendDocument(
    chatId: string,
    document: { fileName: string; content: AsyncIterable<Uint8Array>; caption?: string },
  ): Promise<void>;
}

/** What became of a report's files: the names sent, and the others with why. */
export interface FilesDelivery {
  sent: string[];
  notSent: { name: string; reason: string }[];
}

export interface SendReplayFilesOptions {
  channel: DocumentChannel;
  chatId: string;
  recipe: string;
  /** The run's downloads folder (`AutomationRunStore.folderOf(runId, 'downloads')`). */
  folder: string;
  files: readonly Pick<KeptFile, 'name'>[];
}

const MEGABYTE = 1024 * 1024;

function sizeText(bytes: number): string {
  return bytes >= MEGABYTE && bytes % MEGABYTE === 0 ? `${bytes / MEGABYTE} MB` : `${bytes} bytes`;
}

interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens a kept file for reading: a regular file directly in `folder`, never through a link;
 * answers why not otherwise.
 */
async function openKept(folder: string, name: string): Promise<OpenedFile | string> {
  let handle: FileHandle;
  try {
    handle = await open(path.join(folder, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no longer kept (removed within the recipe’s file quota)';
    if (code === 'ELOOP') return 'not a regular file';
    return `could not be read: ${errorMessage(error)}`;
  }
  const stat = await handle.stat().catch(() => undefined);
  if (stat?.isFile()) return { handle, size: stat.size };
  await handle.close().catch(() => undefined);
  return 'not a regular file';
}

/** Sends each file it may, in order; never throws, so the text report always follows. */
export async function sendReplayFiles(options: SendReplayFilesOptions): Promise<FilesDelivery> {
  const delivery: FilesDelivery = { sent: [], notSent: [] };
  const skip = (name: string, reason: string): void => void delivery.notSent.push({ name, reason });
  for (const [index, { name }] of options.files.entries()) {
    if (index >= TELEGRAM_FILES_PER_REPORT) {
      skip(name, `only ${TELEGRAM_FILES_PER_REPORT} files are sent with one report`);
      continue;
    }
    if (!isKeptFileName(name)) {
      skip(name, 'not a file name a replay keeps');
      continue;
    }
    const opened = await openKept(options.folder, name);
    if (typeof opened === 'string') {
      skip(name, opened);
      continue;
    }
    const { handle, size } = opened;
    let stream: ReadStream | undefined;
    try {
      if (size > TELEGRAM_DOCUMENT_MAX_BYTES) {
        skip(
          name,
          `${sizeText(size)}, over Telegram’s ${sizeText(TELEGRAM_DOCUMENT_MAX_BYTES)} limit for a bot`,
        );
      } else if (size === 0) {
        skip(name, 'empty, and Telegram takes no empty file');
      } else {
        stream = handle.createReadStream({ autoClose: false });
        await options.channel.sendDocument(options.chatId, {
          fileName: name,
          content: stream,
          caption: `From the replay of ${options.recipe}`,
        });
        delivery.sent.push(name);
      }
    } catch (error) {
      skip(name, `the upload failed: ${errorMessage(error)}`);
    } finally {
      stream?.destroy();
      await handle.close().catch(() => undefined);
    }
  }
  return delivery;
}
