/**
 * JSON schemas of the Logs screen's routes (`/api/logs`) and the wire types derived from them. No
 * imports with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const logLevelNames = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const logLineSchema = {
  type: 'object',
  required: ['seq', 'at', 'level', 'line'],
  additionalProperties: false,
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string' },
    level: { type: 'string', enum: logLevelNames },
    /** The line as logged (JSON), secrets redacted as in the log. */
    line: { type: 'string' },
  },
} as const;

export const logNodesSchema = {
  type: 'object',
  required: ['thisNode', 'nodes'],
  additionalProperties: false,
  properties: {
    thisNode: { type: 'string' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['node', 'lastAt'],
        additionalProperties: false,
        properties: { node: { type: 'string' }, lastAt: { type: 'string' } },
      },
    },
  },
} as const;

export const logQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Default: the node serving the request. */
    node: { type: 'string', maxLength: 200 },
    /** Lines at this level and above. */
    level: { type: 'string', enum: logLevelNames },
    /** Lines containing this, ignoring case. */
    text: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
  },
} as const;

export const logLinesSchema = {
  type: 'object',
  required: ['node', 'lines'],
  additionalProperties: false,
  properties: { node: { type: 'string' }, lines: { type: 'array', items: logLineSchema } },
} as const;

export const logEventsResponse = {
  200: {
    description: 'server-sent events: `line` for each new line that passes the filter',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  },
} as const;

export type LogLevelName = (typeof logLevelNames)[number];
export type LogLineView = FromSchema<typeof logLineSchema>;
export type LogNodes = FromSchema<typeof logNodesSchema>;
export type LogLines = FromSchema<typeof logLinesSchema>;
export type LogQuery = FromSchema<typeof logQuerySchema>;
