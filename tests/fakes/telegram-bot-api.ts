import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { MultipartError, readMultipart, type UploadedFile } from './telegram-multipart.ts';

/**
 * A local stand-in for Telegram's Bot API (https://core.telegram.org/bots/api), on loopback. It
 * speaks the documented HTTP interface — `POST /bot<token>/<method>` with a JSON or form body,
 * answers `{ ok, result }` or `{ ok: false, error_code, description }` — for the methods Talon
 * uses: getMe, getUpdates (offset acknowledges, timeout long-polls, a newer call ends an older one
 * with 409 as Telegram does, and a set webhook makes it fail with 409), sendMessage, sendDocument
 * (a multipart upload, at most 50 MB, as https://core.telegram.org/bots/api#senddocument says),
 * deleteMessage, setMyCommands, setWebhook and deleteWebhook. Tests inject updates shaped like
 * Telegram's and read what the bot sent, documents with their bytes.
 */

export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  first_name?: string;
  title?: string;
}

export interface FakeMessage {
  message_id: number;
  from?: FakeUser;
  chat: FakeChat;
  date: number;
  text?: string;
  entities?: { type: string; offset: number; length: number }[];
  photo?: { file_id: string; file_unique_id: string; width: number; height: number }[];
  document?: FakeDocument;
  caption?: string;
}

/** https://core.telegram.org/bots/api#document */
export interface FakeDocument {
  file_id: string;
  file_unique_id: string;
  file_name: string;
  mime_type: string;
  file_size: number;
}

export type FakeUpdate = { update_id: number } & Record<string, unknown>;

export interface SentMessage {
  chat_id: string;
  text: string;
  parse_mode?: string;
  message_id: number;
  at: number;
}

/** A document the bot sent, with the bytes it uploaded. */
export interface SentDocument {
  chat_id: string;
  message_id: number;
  document: FakeDocument;
  bytes: Buffer;
  caption?: string;
  at: number;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
}

export interface FakeBotApiOptions {
  token: string;
  username?: string;
  botId?: number;
}

const TELEGRAM_TEXT_LIMIT = 4096;
/** A media caption, after entity parsing (https://core.telegram.org/bots/api#senddocument). */
const TELEGRAM_CAPTION_LIMIT = 1024;
/** What Telegram guesses from a file name's extension when the sender says only octet-stream. */
const MIME_BY_EXTENSION: Record<string, string> = {
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

class ApiError extends Error {
  readonly code: number;
  readonly description: string;

  constructor(code: number, description: string) {
    super(description);
    this.code = code;
    this.description = description;
  }
}

/** Entities as Telegram marks them: a `bot_command` at the start (`/cmd` or `/cmd@bot`). */
export function commandEntities(text: string): FakeMessage['entities'] {
  const match = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return match ? [{ type: 'bot_command', offset: 0, length: match[0].length }] : undefined;
}

export class FakeBotApi {
  readonly token: string;
  readonly bot: FakeUser;
  readonly sent: SentMessage[] = [];
  readonly documents: SentDocument[] = [];
  readonly deleted: { chat_id: string; message_id: number }[] = [];
  readonly calls: ApiCall[] = [];
  webhook: { url: string; secret_token?: string } | undefined;
  commands: { command: string; description: string }[] = [];
  /** Largest number of getUpdates calls that were open at the same time. */
  maxConcurrentPolls = 0;
  readonly #server: Server;
  #url = '';
  #pending: FakeUpdate[] = [];
  #nextUpdateId = 100_000;
  #nextMessageId = 1;
  #openPolls = new Set<(reason: 'update' | 'conflict' | 'close') => void>();
  #validTokens: Set<string>;
  #failNext = new Map<string, { code: number; description: string }>();

  private constructor(options: FakeBotApiOptions) {
    this.token = options.token;
    this.#validTokens = new Set([options.token]);
    this.bot = {
      id: options.botId ?? 7_000_001,
      is_bot: true,
      first_name: 'Talon',
      username: options.username ?? 'talon_test_bot',
    };
    this.#server = createServer((request, response) => {
      this.#serve(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  }

  static async start(options: FakeBotApiOptions): Promise<FakeBotApi> {
    const api = new FakeBotApi(options);
    api.#server.listen(0, '127.0.0.1');
    await once(api.#server, 'listening');
    api.#url = `http://127.0.0.1:${(api.#server.address() as AddressInfo).port}`;
    return api;
  }

  /** The Bot API root to give the bot (`telegram.api_root`, TELEGRAM_API_ROOT). */
  get apiRoot(): string {
    return this.#url;
  }

  async close(): Promise<void> {
    for (const end of this.#openPolls) end('close');
    this.#server.closeAllConnections();
    this.#server.close();
  }

  /** Makes the next call of `method` fail as Telegram would (e.g. 502, 429). */
  failNext(method: string, code: number, description: string): void {
    this.#failNext.set(method, { code, description });
  }

  /** Queues an update (update_id assigned) and wakes a long poll. */
  inject(update: Omit<FakeUpdate, 'update_id'> & { update_id?: number }): FakeUpdate {
    const full = { ...update, update_id: update.update_id ?? this.#nextUpdateId++ } as FakeUpdate;
    this.#pending.push(full);
    for (const wake of this.#openPolls) wake('update');
    return full;
  }

  /** A text message update (commands get their `bot_command` entity). Defaults: a private chat. */
  message(options: {
    chatId: number;
    fromId?: number;
    text?: string;
    chatType?: FakeChat['type'];
    extra?: Partial<FakeMessage>;
  }): FakeUpdate {
    return this.inject({ message: this.buildMessage(options) });
  }

  buildMessage(options: {
    chatId: number;
    fromId?: number;
    text?: string;
    chatType?: FakeChat['type'];
    extra?: Partial<FakeMessage>;
  }): FakeMessage {
    const chatType = options.chatType ?? 'private';
    const fromId = options.fromId ?? options.chatId;
    const message: FakeMessage = {
      message_id: this.#nextMessageId++,
      from: { id: fromId, is_bot: false, first_name: `User ${fromId}` },
      chat:
        chatType === 'private'
          ? { id: options.chatId, type: 'private', first_name: `User ${fromId}` }
          : { id: options.chatId, type: chatType, title: 'A group' },
      date: Math.floor(Date.now() / 1000),
      ...options.extra,
    };
    if (options.text !== undefined) {
      message.text = options.text;
      const entities = commandEntities(options.text);
      if (entities) message.entities = entities;
    }
    return message;
  }

  /** getUpdates calls open right now (long polls waiting). */
  get openPolls(): number {
    return this.#openPolls.size;
  }

  /** Updates not yet acknowledged by a getUpdates offset. */
  get pendingUpdates(): readonly FakeUpdate[] {
    return this.#pending;
  }

  sentTo(chatId: number | string): SentMessage[] {
    return this.sent.filter((message) => message.chat_id === String(chatId));
  }

  documentsTo(chatId: number | string): SentDocument[] {
    return this.documents.filter((document) => document.chat_id === String(chatId));
  }

  /** Resolves with the first message (sent from now on, or already sent after `since`) that matches. */
  async waitForSent(
    predicate: (message: SentMessage) => boolean,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<SentMessage> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    const since = options.since ?? 0;
    for (;;) {
      const found = this.sent.slice(since).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no matching message was sent; sent so far: ${JSON.stringify(this.sent.slice(since).map((m) => m.text.slice(0, 120)))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Resolves once every injected update was acknowledged (a getUpdates offset moved past it). */
  async waitForAcknowledged(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.length > 0) {
      if (Date.now() > deadline) throw new Error(`${this.#pending.length} updates were never acknowledged`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.url?.split('?')[0] ?? '');
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!match) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match as unknown as [string, string, string];
    try {
      const { params, files } = await readParams(request);
      this.calls.push({ method, params });
      if (!this.#validTokens.has(decodeURIComponent(token))) {
        return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      }
      const failure = this.#failNext.get(method);
      if (failure) {
        this.#failNext.delete(method);
        return reply(failure.code, { ok: false, error_code: failure.code, description: failure.description });
      }
      const result = await this.#call(method, params, request, files);
      reply(200, { ok: true, result });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reply(error.code, { ok: false, error_code: error.code, description: error.description });
    }
  }

  async #call(
    method: string,
    params: Record<string, unknown>,
    request: IncomingMessage,
    files: Map<string, UploadedFile>,
  ): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return {
          ...this.bot,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        };
      case 'getUpdates':
        return this.#getUpdates(params, request);
      case 'sendMessage':
        return this.#sendMessage(params);
      case 'sendDocument':
        return this.#sendDocument(params, files);
      case 'deleteMessage': {
        const entry = { chat_id: String(params['chat_id']), message_id: Number(params['message_id']) };
        if (!this.sent.some((m) => m.chat_id === entry.chat_id && m.message_id === entry.message_id)) {
          throw new ApiError(400, 'Bad Request: message to delete not found');
        }
        this.deleted.push(entry);
        return true;
      }
      case 'setMyCommands':
        this.commands = (params['commands'] as { command: string; description: string }[]) ?? [];
        return true;
      case 'setWebhook': {
        const url = String(params['url'] ?? '');
        if (url === '') {
          this.webhook = undefined;
          return true;
        }
        if (!/^https?:\/\//.test(url))
          throw new ApiError(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        const secret = params['secret_token'];
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(secret))) {
          throw new ApiError(400, 'Bad Request: secret token contains unallowed characters');
        }
        this.webhook = { url, ...(secret === undefined ? {} : { secret_token: String(secret) }) };
        return true;
      }
      case 'deleteWebhook':
        this.webhook = undefined;
        return true;
      default:
        throw new ApiError(404, 'Not Found: method not found');
    }
  }

  async #getUpdates(params: Record<string, unknown>, request: IncomingMessage): Promise<FakeUpdate[]> {
    if (this.webhook)
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const offset = Number(params['offset'] ?? 0);
    const timeout = Math.min(Number(params['timeout'] ?? 0), 50);
    const limit = Math.min(Math.max(Number(params['limit'] ?? 100), 1), 100);
    // An offset confirms every update below it: they are never returned again.
    if (offset > 0) this.#pending = this.#pending.filter((update) => update.update_id >= offset);
    // A newer getUpdates ends the one still open (Telegram: 409 "terminated by other getUpdates request").
    for (const end of this.#openPolls) end('conflict');
    const ready = (): FakeUpdate[] =>
      this.#pending.filter((update) => update.update_id >= offset).slice(0, limit);
    if (ready().length > 0 || timeout === 0) return ready();
    const outcome = await new Promise<'update' | 'conflict' | 'close' | 'timeout' | 'aborted'>((resolve) => {
      const finish = (reason: 'update' | 'conflict' | 'close' | 'timeout' | 'aborted'): void => {
        clearTimeout(timer);
        this.#openPolls.delete(finish);
        request.off('close', onClose);
        resolve(reason);
      };
      const onClose = (): void => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeout * 1000);
      this.#openPolls.add(finish);
      this.maxConcurrentPolls = Math.max(this.maxConcurrentPolls, this.#openPolls.size);
      request.on('close', onClose);
    });
    if (outcome === 'conflict') {
      throw new ApiError(
        409,
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      );
    }
    return outcome === 'update' ? ready() : [];
  }

  #sendMessage(params: Record<string, unknown>): FakeMessage {
    const text = typeof params['text'] === 'string' ? params['text'] : '';
    if (text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    const parseMode = typeof params['parse_mode'] === 'string' ? params['parse_mode'] : undefined;
    const visible = parseMode === 'HTML' ? checkHtml(text) : text;
    if (visible.length > TELEGRAM_TEXT_LIMIT) throw new ApiError(400, 'Bad Request: message is too long');
    const chatId = String(params['chat_id']);
    const message: FakeMessage = {
      message_id: this.#nextMessageId++,
      from: this.bot,
      chat: { id: Number(chatId), type: 'private' },
      date: Math.floor(Date.now() / 1000),
      text: visible,
    };
    this.sent.push({
      chat_id: chatId,
      text,
      ...(parseMode ? { parse_mode: parseMode } : {}),
      message_id: message.message_id,
      at: Date.now(),
    });
    return message;
  }

  #sendDocument(params: Record<string, unknown>, files: Map<string, UploadedFile>): FakeMessage {
    const chatId = params['chat_id'] === undefined ? '' : String(params['chat_id']);
    if (chatId === '') throw new ApiError(400, 'Bad Request: chat_id is empty');
    const upload = this.#documentOf(params['document'], files);
    const caption = params['caption'] === undefined ? undefined : String(params['caption']);
    if (caption !== undefined && caption.length > TELEGRAM_CAPTION_LIMIT) {
      throw new ApiError(400, 'Bad Request: message caption is too long');
    }
    const extension = path.extname(upload.fileName).toLowerCase();
    const document: FakeDocument = {
      file_id: `BQAC${randomBytes(24).toString('base64url')}`,
      // The same bytes have the same unique id, whoever sends them.
      file_unique_id: `AgAD${createHash('sha256').update(upload.bytes).digest('base64url').slice(0, 12)}`,
      file_name: upload.fileName,
      mime_type:
        upload.mimeType === 'application/octet-stream'
          ? (MIME_BY_EXTENSION[extension] ?? upload.mimeType)
          : upload.mimeType,
      file_size: upload.bytes.length,
    };
    const message: FakeMessage = {
      message_id: this.#nextMessageId++,
      from: this.bot,
      chat: { id: Number(chatId), type: 'private' },
      date: Math.floor(Date.now() / 1000),
      document,
      ...(caption === undefined || caption === '' ? {} : { caption }),
    };
    this.documents.push({
      chat_id: chatId,
      message_id: message.message_id,
      document,
      bytes: upload.bytes,
      ...(message.caption === undefined ? {} : { caption: message.caption }),
      at: Date.now(),
    });
    return message;
  }

  /** The `document` field: a file part of its own, `attach://<part>`, or the file_id of a document sent before. */
  #documentOf(value: unknown, files: Map<string, UploadedFile>): UploadedFile {
    const part =
      typeof value === 'string' && value.startsWith('attach://')
        ? files.get(value.slice('attach://'.length))
        : files.get('document');
    const known =
      typeof value === 'string' ? this.documents.find((sent) => sent.document.file_id === value) : undefined;
    const upload =
      part ??
      (known && {
        fileName: known.document.file_name,
        mimeType: known.document.mime_type,
        bytes: known.bytes,
      });
    if (!upload) {
      throw new ApiError(
        400,
        value === undefined
          ? 'Bad Request: there is no document in the request'
          : 'Bad Request: wrong file identifier/HTTP URL specified',
      );
    }
    if (upload.bytes.length === 0) throw new ApiError(400, 'Bad Request: file must be non-empty');
    return upload;
  }
}

/** Telegram's HTML mode: only its documented tags, balanced; answers the visible text. */
const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'span',
  'tg-spoiler',
  'blockquote',
]);

function checkHtml(html: string): string {
  const open: string[] = [];
  for (const match of html.matchAll(/<(\/?)([a-z-]+)[^>]*>/g)) {
    const [, slash, name] = match as unknown as [string, string, string];
    if (!HTML_TAGS.has(name))
      throw new ApiError(400, `Bad Request: can't parse entities: Unsupported start tag "${name}"`);
    if (slash === '') open.push(name);
    else if (open.pop() !== name)
      throw new ApiError(400, `Bad Request: can't parse entities: Unmatched end tag "${name}"`);
  }
  if (open.length > 0)
    throw new ApiError(400, `Bad Request: can't parse entities: unclosed tag "${open.at(-1)}"`);
  if (/<(?![/a-z])|&(?!(amp|lt|gt|quot|#\d+);)/.test(html)) {
    throw new ApiError(400, "Bad Request: can't parse entities: unescaped character");
  }
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

interface RequestParams {
  params: Record<string, unknown>;
  /** File parts of a multipart upload, by field name. */
  files: Map<string, UploadedFile>;
}

async function readParams(request: IncomingMessage): Promise<RequestParams> {
  const query = Object.fromEntries(new URL(request.url ?? '/', 'http://x').searchParams);
  if ((request.headers['content-type'] ?? '').includes('multipart/form-data')) {
    const body = await readMultipart(request).catch((error: unknown) => {
      if (error instanceof MultipartError) throw new ApiError(400, `Bad Request: ${error.message}`);
      throw error;
    });
    if (body.tooLarge) throw new ApiError(413, 'Request Entity Too Large');
    const fields = Object.entries(body.fields).map(([key, value]) => [key, parseMultipartValue(value)]);
    return { params: { ...query, ...Object.fromEntries(fields) }, files: body.files };
  }
  return { params: await readSimpleParams(request, query), files: new Map() };
}

/** Objects and arrays (reply_markup, entities) are JSON in a form; every other field stays the text it is. */
function parseMultipartValue(value: string): unknown {
  return /^\s*[[{]/.test(value) ? parseFormValue(value) : value;
}

async function readSimpleParams(
  request: IncomingMessage,
  query: Record<string, string>,
): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'] ?? '';
  if (body === '') return query;
  if (type.includes('application/json'))
    return { ...query, ...(JSON.parse(body) as Record<string, unknown>) };
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(body));
    return {
      ...query,
      ...Object.fromEntries(Object.entries(form).map(([key, value]) => [key, parseFormValue(value)])),
    };
  }
  throw new ApiError(400, 'Bad Request: unsupported content type');
}

function parseFormValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
