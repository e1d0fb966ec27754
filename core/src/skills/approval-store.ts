import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { SkillManifest } from '@talon/skill-runtime/contract/manifest.ts';
import { SKILL_PERMISSIONS } from '@talon/skill-runtime/contract/permission-table.ts';
import type { SkillGrants } from '@talon/skill-runtime/contract/runtime-contract.ts';

export type ApprovalStatus = 'approved' | 'tampered';

/** A dynamic skill the owner approved: exactly what may run, and with which powers. */
export interface SkillApproval {
  name: string;
  version: string;
  checksum: string;
  manifest: SkillManifest;
  manifestSource: string;
  code: string;
  grants: SkillGrants;
  status: ApprovalStatus;
  statusReason: string | null;
  approvedBy: string;
  approvedAt: string;
  statusChangedAt: string;
}

const grantsSchema = z.object({
  permissions: z.array(z.enum(SKILL_PERMISSIONS)),
  net: z.array(z.string()),
  secrets: z.array(z.string()),
  // Approvals made before skills declared what they invoke have none: invoking stays off for them.
  invokes: z.array(z.string()).default([]),
});

const approvalRow = z.object({
  name: z.string(),
  version: z.string(),
  checksum: z.string(),
  // Validated against the SDK's schema when it was approved; re-validated whenever it is loaded.
  manifest: z.record(z.string(), z.unknown()),
  manifest_source: z.string(),
  code: z.string(),
  grants: grantsSchema,
  status: z.enum(['approved', 'tampered']),
  status_reason: z.string().nullable(),
  approved_by: z.string(),
  approved_at: z.string(),
  status_changed_at: z.string(),
});

function toApproval(row: z.infer<typeof approvalRow>): SkillApproval {
  return {
    name: row.name,
    version: row.version,
    checksum: row.checksum,
    manifest: row.manifest as unknown as SkillManifest,
    manifestSource: row.manifest_source,
    code: row.code,
    grants: row.grants,
    status: row.status,
    statusReason: row.status_reason,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    statusChangedAt: row.status_changed_at,
  };
}

const COLUMNS = sql.fragment`name, version, checksum, manifest, manifest_source, code, grants, status,
  status_reason, approved_by, to_char(approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS approved_at,
  to_char(status_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS status_changed_at`;

type Connection = DatabasePool | DatabaseTransactionConnection;

/** The `skill_approvals` table. */
export class ApprovalStore {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async list(): Promise<SkillApproval[]> {
    const rows = await this.#pool.any(
      sql.type(approvalRow)`SELECT ${COLUMNS} FROM skill_approvals ORDER BY name`,
    );
    return rows.map(toApproval);
  }

  async get(name: string, connection: Connection = this.#pool): Promise<SkillApproval | undefined> {
    const row = await connection.maybeOne(
      sql.type(approvalRow)`SELECT ${COLUMNS} FROM skill_approvals WHERE name = ${name}`,
    );
    return row ? toApproval(row) : undefined;
  }

  /** Records (or replaces) the approval of a package. */
  async save(
    approval: Pick<
      SkillApproval,
      'name' | 'version' | 'checksum' | 'manifest' | 'manifestSource' | 'code' | 'grants' | 'approvedBy'
    >,
    connection: Connection = this.#pool,
  ): Promise<void> {
    await connection.query(sql.unsafe`
      INSERT INTO skill_approvals (name, version, checksum, manifest, manifest_source, code, grants, approved_by)
      VALUES (${approval.name}, ${approval.version}, ${approval.checksum},
              ${sql.jsonb(JSON.parse(JSON.stringify(approval.manifest)))}, ${approval.manifestSource},
              ${approval.code}, ${sql.jsonb({ ...approval.grants })}, ${approval.approvedBy})
      ON CONFLICT (name) DO UPDATE SET
        version = EXCLUDED.version, checksum = EXCLUDED.checksum, manifest = EXCLUDED.manifest,
        manifest_source = EXCLUDED.manifest_source, code = EXCLUDED.code, grants = EXCLUDED.grants,
        approved_by = EXCLUDED.approved_by, approved_at = now(),
        status = 'approved', status_reason = NULL, status_changed_at = now()`);
  }

  async setStatus(name: string, status: ApprovalStatus, reason: string | null): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE skill_approvals SET status = ${status}, status_reason = ${reason}, status_changed_at = now()
      WHERE name = ${name}`);
  }

  async delete(name: string, connection: Connection = this.#pool): Promise<void> {
    await connection.query(sql.unsafe`DELETE FROM skill_approvals WHERE name = ${name}`);
  }
}
