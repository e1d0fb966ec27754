import type { AuditLog } from '../../audit/audit-log.ts';
import type { StepUpVerifier } from '../../auth/step-up.ts';
import type { Logger } from '../../logging/logger.ts';
import type { SettingsStore } from '../../settings/store.ts';
import type { WorkflowEngine } from '../../workflows/engine.ts';
import type { AutomationService } from '../../automation/automation-service.ts';
import type { ShellCommandPort } from '../../shell/shell-service.ts';
import type { ReviewPort } from '../../github/reviews.ts';
import type { ChallengeAction, ChallengeStore } from '../challenges.ts';
import type { EphemeralMessages } from '../ephemeral-messages.ts';
import type { StepUpGrants } from '../step-up-grants.ts';

/** A loaded skill as `/skills` and `/status` show it (the skill runtime's `list()` fits this). */
export interface SkillSummary {
  name: string;
  kind: string;
  breaker: { state: string };
}

/** The 2FA enrolment service (core/src/auth/two-factor.ts), as the gateway uses it. */
export interface TwoFactorPort {
  status(): { enrolled: boolean; pending: boolean };
  enrol(who: { actor: string; source: string | undefined }): Promise<{ secret: string; otpauthUri: string }>;
  confirm(code: string, who: { actor: string; source: string | undefined }): Promise<void>;
  disable(code: string | undefined, who: { actor: string; source: string | undefined }): Promise<void>;
}

/** What commands may use: the domains they call, never the bot itself. */
export interface GatewayServices {
  node: string;
  /** When this node started (milliseconds since the epoch), for `/status`. */
  startedAt: number;
  now: () => number;
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
  skills: { list(): SkillSummary[] } | undefined;
  workflows: WorkflowEngine | undefined;
  twoFactor: TwoFactorPort;
  stepUp: StepUpVerifier;
  /** The shell (`/shell`), where this node has one. */
  shell?: ShellCommandPort | undefined;
  /** GitHub security reviews (`/github`), where this node has them. */
  github?: ReviewPort | undefined;
  /** The browser sidecar (`/record`, `/replay`, `/automations`), where this node has it. */
  automation?: AutomationService | undefined;
  challenges: ChallengeStore;
  grants: StepUpGrants;
  ephemeral: EphemeralMessages;
  /** Seconds a challenge that is not a waiting run stays open. */
  challengeTtlSeconds: number;
}

export interface CommandContext {
  /** The owner's chat (already checked: only the owner's messages reach a command). */
  chatId: string;
  /** Everything after the command word, trimmed. */
  args: string;
  /** Who asks, for the audit log and the step-up counters: `telegram:<chat>` from `<chat>`. */
  requester: { actor: string; source: string };
  /** Sends plain text (split when long); never markup. */
  reply(text: string): Promise<void>;
  /** Sends one plain message and answers its id (so it can be deleted later). */
  replyOnce(text: string): Promise<number | undefined>;
  /**
   * Opens the chat's 2FA challenge for exactly `action` (replacing any earlier one) and tells the
   * owner to send the code; the next 6-digit message answers it.
   */
  challenge(action: ChallengeAction, description: string, expiresAt?: Date): Promise<void>;
}

/** One command: `/name`, its usage line for `/help`, and its handler. */
export interface CommandEntry {
  name: string;
  usage: string;
  description: string;
  handle(ctx: CommandContext): Promise<void>;
}

/** Builds a group of commands from the services; later issues add their group to `COMMAND_GROUPS`. */
export type CommandGroup = (services: GatewayServices) => CommandEntry[];
