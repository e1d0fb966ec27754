import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/**
 * The multipart/form-data body of a Bot API call that uploads a file
 * (https://core.telegram.org/bots/api#sending-files), read with busboy: the plain fields, and each
 * file part under its field name — a method's own field (`document`) or the name an
 * `attach://<name>` value points at, which is how grammY sends them.
 */

/** Telegram's limit for a file a bot uploads: "up to 50 MB" (https://core.telegram.org/bots/api#senddocument). */
export const TELEGRAM_UPLOAD_MAX_BYTES = 50 * 1024 * 1024;

export interface UploadedFile {
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: Map<string, UploadedFile>;
  /** A file part was longer than the limit (its bytes were read and dropped, as Telegram answers 413). */
  tooLarge: boolean;
}

/** A body busboy could not read (no boundary, cut short, too many parts). */
export class MultipartError extends Error {}

export function readMultipart(
  request: IncomingMessage,
  maxFileBytes = TELEGRAM_UPLOAD_MAX_BYTES,
): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        defParamCharset: 'utf8',
        // busboy says `limit` once a file reaches its fileSize: one more byte lets exactly the maximum through.
        limits: { fileSize: maxFileBytes + 1, files: 10, fields: 100, fieldSize: 1024 * 1024 },
      });
    } catch (error) {
      reject(new MultipartError((error as Error).message));
      return;
    }
    const body: MultipartBody = { fields: {}, files: new Map(), tooLarge: false };
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      body.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        body.tooLarge = true;
        chunks.length = 0;
      });
      pending.push(
        new Promise((done) =>
          stream.on('close', () => {
            if (!body.tooLarge) {
              body.files.set(name, {
                fileName: info.filename,
                mimeType: info.mimeType,
                bytes: Buffer.concat(chunks),
              });
            }
            done();
          }),
        ),
      );
    });
    const refuse = (reason: string): void => {
      // The rest of the body is read and dropped, so the client gets the answer rather than a reset.
      request.unpipe(parser);
      request.resume();
      reject(new MultipartError(reason));
    };
    parser.on('partsLimit', () => refuse('too many parts'));
    parser.on('filesLimit', () => refuse('too many files'));
    parser.on('fieldsLimit', () => refuse('too many fields'));
    parser.on('error', (error: Error) => refuse(error.message));
    parser.on('close', () => {
      void Promise.all(pending).then(() => resolve(body));
    });
    request.pipe(parser);
  });
}
