import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { errorMessage } from '../errors.ts';
import { BackupError } from './backup-errors.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST_CHECKSUM_ENTRY,
  MANIFEST_ENTRY,
  manifestSchema,
  type BackupManifest,
} from './manifest.ts';

/** The manifest of an archive is read whole; past this it is not a Talon archive (bytes). */
const MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

function corrupt(file: string, why: string): BackupError {
  return new BackupError(
    'archive_corrupt',
    `${file} is not an intact Talon backup: ${why}; nothing was restored`,
  );
}

/** Each entry of the archive in order, handed to `onEntry` as a stream that must be read to its end. */
export async function readEntries(
  file: string,
  onEntry: (name: string, stream: Readable) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(file), createGunzip(), extract);
  const consuming = (async () => {
    for await (const entry of extract) {
      if (entry.header.type !== 'file') {
        entry.resume();
        continue;
      }
      // tar-stream's entry is a streamx Readable, read here only as an async iterable of buffers.
      await onEntry(entry.header.name, entry as unknown as Readable);
    }
  })();
  await Promise.all([reading, consuming]);
}

async function readText(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('an entry is far larger than a manifest');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads the whole archive once and proves it intact before anything is written: the gzip stream and
 * tar structure, the manifest (its format and version) and the manifest's own SHA-256, then every
 * entry's SHA-256 and size against the manifest, and that nothing listed is missing.
 */
export async function verifyArchive(file: string): Promise<BackupManifest> {
  const seen = new Map<string, { sha256: string; bytes: number }>();
  let manifestText: string | undefined;
  let manifestChecksum: string | undefined;
  try {
    await readEntries(file, async (name, stream) => {
      if (name === MANIFEST_ENTRY) {
        manifestText = await readText(stream, MANIFEST_MAX_BYTES);
        return;
      }
      if (name === MANIFEST_CHECKSUM_ENTRY) {
        manifestChecksum = (await readText(stream, 1024)).trim().split(/\s+/)[0];
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
      }
      seen.set(name, { sha256: hash.digest('hex'), bytes });
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BackupError('archive_corrupt', `There is no file ${file}`);
    }
    throw corrupt(file, `it cannot be read (${errorMessage(error)})`);
  }
  if (manifestText === undefined || manifestChecksum === undefined) {
    throw corrupt(file, 'its manifest is missing (the file was cut short, or is not a Talon backup)');
  }
  if (createHash('sha256').update(manifestText).digest('hex') !== manifestChecksum) {
    throw corrupt(file, 'its manifest does not match the manifest checksum');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch {
    throw corrupt(file, 'its manifest is not JSON');
  }
  const header = parsed as { format?: unknown; formatVersion?: unknown };
  if (header.format !== ARCHIVE_FORMAT) throw corrupt(file, 'it is not a Talon backup');
  if (typeof header.formatVersion !== 'number' || header.formatVersion > ARCHIVE_FORMAT_VERSION) {
    throw new BackupError(
      'archive_unsupported',
      `${file} is a backup format ${String(header.formatVersion)}, newer than this Talon reads (${ARCHIVE_FORMAT_VERSION}): restore it with a newer Talon; nothing was restored`,
    );
  }
  const checked = manifestSchema.safeParse(parsed);
  if (!checked.success)
    throw corrupt(file, `its manifest is malformed (${checked.error.issues[0]?.message ?? 'invalid'})`);
  const manifest = checked.data;
  const listed = [...manifest.tables, ...manifest.skills.flatMap((skill) => [skill.manifest, skill.code])];
  for (const entry of listed) {
    const found = seen.get(entry.entry);
    if (!found) throw corrupt(file, `${entry.entry} is missing`);
    if (found.sha256 !== entry.sha256 || found.bytes !== entry.bytes) {
      throw corrupt(file, `${entry.entry} does not match its checksum`);
    }
  }
  return manifest;
}
