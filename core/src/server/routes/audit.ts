import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { DatabasePool } from '../../db/pool.ts';
import { AUDIT_EXPORT_MAX, auditCsv, searchAudit, type AuditFilter } from '../../audit/audit-search.ts';
import { errorResponses } from '../error-schema.ts';
import {
  auditExportQuerySchema,
  auditExportResponse,
  auditPageSchema,
  auditQuerySchema,
  type AuditFilterQuery,
} from './audit-schemas.ts';
import { presentAuditEntry } from './dashboard.ts';

export interface AuditRoutesOptions {
  pool: DatabasePool;
}

function filterOf(query: AuditFilterQuery): AuditFilter {
  return {
    actor: query.actor || undefined,
    action: query.action || undefined,
    outcome: query.outcome,
    skill: query.skill || undefined,
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
  };
}

/** The Audit log screen: `GET /api/audit` (filtered, one page at a time) and its CSV and JSON export. */
export const auditRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: AuditRoutesOptions }> = async (
  app,
  { pool },
) => {
  app.get(
    '/api/audit',
    { schema: { querystring: auditQuerySchema, response: { 200: auditPageSchema, ...errorResponses } } },
    async (request) => {
      const { limit = 50, before, ...filter } = request.query;
      // One more than asked: whether there is an older page.
      const entries = await searchAudit(pool, filterOf(filter), { limit: limit + 1, before });
      const page = entries.slice(0, limit);
      return {
        entries: page.map(presentAuditEntry),
        nextBefore: entries.length > limit ? Number(page.at(-1)!.id) : null,
      };
    },
  );

  app.get(
    '/api/audit/export',
    {
      schema: {
        querystring: auditExportQuerySchema,
        response: { ...auditExportResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...filter } = request.query;
      const entries = await searchAudit(pool, filterOf(filter), { limit: AUDIT_EXPORT_MAX });
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const body =
        format === 'csv' ? auditCsv(entries) : JSON.stringify(entries.map(presentAuditEntry), null, 2);
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="talon-audit-${stamp}.${format}"`)
        .serializer((payload) => payload as string)
        .send(body);
    },
  );
};
