import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { ServerResponse } from 'node:http';
import {
  LOG_LEVELS,
  levelName,
  matchesFilter,
  type LogFilter,
  type LogLine,
} from '../../logging/log-ring.ts';
import { LOG_SHIP_INTERVAL_MS, type NodeLogs } from '../../logging/node-logs.ts';
import { errorResponses } from '../error-schema.ts';
import {
  logEventsResponse,
  logLinesSchema,
  logNodesSchema,
  logQuerySchema,
  type LogLineView,
  type LogQuery,
} from './logs-schemas.ts';

export interface LogsRoutesOptions {
  logs: NodeLogs;
}

/** A comment line every so often, so proxies keep an idle stream open (milliseconds). */
const KEEPALIVE_MS = 15_000;

function filterOf(query: LogQuery): LogFilter {
  return {
    minLevel: query.level === undefined ? undefined : LOG_LEVELS[query.level],
    text: query.text || undefined,
  };
}

function view(line: LogLine): LogLineView {
  return { seq: line.seq, at: line.at, level: levelName(line.level), line: line.line };
}

/**
 * The Logs screen: the recent lines of the node serving the page (its ring buffer) or of another node
 * (what it shipped to PostgreSQL), with level and text filters, and live through server-sent events.
 * Lines are as the log wrote them: pino redacted secrets before they reached the ring.
 */
export const logsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: LogsRoutesOptions }> = async (
  app,
  { logs },
) => {
  const streams = new Set<ServerResponse>();
  // Live streams never end by themselves: they are ended before the server closes.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get(
    '/api/logs/nodes',
    { schema: { response: { 200: logNodesSchema, ...errorResponses } } },
    async () => ({
      thisNode: logs.node,
      nodes: await logs.nodes(),
    }),
  );

  app.get(
    '/api/logs',
    { schema: { querystring: logQuerySchema, response: { 200: logLinesSchema, ...errorResponses } } },
    async (request) => {
      const node = request.query.node ?? logs.node;
      const lines = await logs.lines(node, filterOf(request.query), request.query.limit ?? 500);
      return { node, lines: lines.map(view) };
    },
  );

  app.get(
    '/api/logs/events',
    { schema: { querystring: logQuerySchema, response: { ...logEventsResponse, ...errorResponses } } },
    async (request, reply) => {
      const node = request.query.node ?? logs.node;
      const filter = filterOf(request.query);
      const recent = await logs.lines(node, filter, request.query.limit ?? 500);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      streams.add(out);
      const send = (event: string, data: unknown): void => {
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      send('snapshot', { node, lines: recent.map(view) });
      let lastSeq = recent.at(-1)?.seq ?? 0;
      let stopFollowing: () => void;
      if (node === logs.node) {
        // This node: each line as it is written (after the ones the snapshot held).
        lastSeq = Math.max(lastSeq, logs.ring.lastSeq);
        stopFollowing = logs.ring.subscribe((line) => {
          if (line.seq > lastSeq && matchesFilter(line, filter)) send('line', view(line));
        });
      } else {
        // Another node: what it shipped since, read back every couple of seconds.
        let reading = false;
        const timer = setInterval(() => {
          if (reading) return;
          reading = true;
          logs
            .lines(node, filter, 1_000, lastSeq)
            .then((lines) => {
              for (const line of lines) send('line', view(line));
              lastSeq = lines.at(-1)?.seq ?? lastSeq;
            })
            .catch(() => out.end())
            .finally(() => (reading = false));
        }, LOG_SHIP_INTERVAL_MS);
        stopFollowing = () => clearInterval(timer);
      }
      const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
      out.on('close', () => {
        stopFollowing();
        clearInterval(keepalive);
        streams.delete(out);
      });
    },
  );
};
