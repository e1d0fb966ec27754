import { z } from 'zod';

/** What a Talon backup archive says about itself; `formatVersion` changes when its layout does. */
export const ARCHIVE_FORMAT = 'talon-backup';
export const ARCHIVE_FORMAT_VERSION = 1;

/** The archive's entries: table data first, skill files, then the manifest and its checksum last. */
export const MANIFEST_ENTRY = 'manifest.json';
export const MANIFEST_CHECKSUM_ENTRY = 'manifest.sha256';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const entryName = z
  .string()
  .min(1)
  .max(300)
  .regex(/^(tables|skills)\/[A-Za-z0-9_.\-/]+$/)
  .refine((name) => !name.split('/').includes('..'), 'entry names have no ".." segment');

const fileSchema = z.object({ entry: entryName, sha256, bytes: z.number().int().nonnegative() });

export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  formatVersion: z.number().int().positive(),
  createdAt: z.string(),
  talonVersion: z.string(),
  node: z.string(),
  /** Names the SECRET_KEY_BASE the secrets were encrypted with; never the key (see key-id.ts). */
  keyId: z.string().regex(/^[0-9a-f]{32}$/),
  database: z.object({
    serverVersion: z.string(),
    /** Talon's migrations applied, in order: restore rebuilds exactly this schema first. */
    migrations: z.array(z.string()),
    /** pg-boss's schema version, when its schema was there. */
    pgBossSchemaVersion: z.number().int().nullable(),
  }),
  /** In the order they are restored (a table after the tables it references). */
  tables: z.array(
    fileSchema.extend({
      schema: z.string(),
      name: z.string(),
      columns: z.array(z.string()).min(1),
      rows: z.number().int().nonnegative(),
    }),
  ),
  sequences: z.array(z.object({ schema: z.string(), name: z.string(), lastValue: z.string().nullable() })),
  /** The approved skill packages: the files as approved, and the checksum approved with them. */
  skills: z.array(
    z.object({
      name: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/),
      version: z.string(),
      checksum: sha256,
      manifest: fileSchema,
      code: fileSchema,
    }),
  ),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type ManifestTable = BackupManifest['tables'][number];
