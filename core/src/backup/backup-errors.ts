import { TalonError } from '../errors.ts';

export type BackupErrorCode =
  | 'archive_corrupt'
  | 'archive_unsupported'
  | 'wrong_key'
  | 'target_not_empty'
  | 'schema_mismatch'
  | 'skill_checksum_mismatch'
  | 'backup_failed';

/** A backup or restore that cannot go on; the message says why and what to do. */
export class BackupError extends TalonError {
  declare readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, code === 'backup_failed' ? 500 : 400, options);
  }
}
