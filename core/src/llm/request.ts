import { Ajv } from 'ajv';
import { ajvProblems } from '@talon/skill-runtime/contract/config-check.ts';
import type { LlmMessage } from './clients/provider-client.ts';
import { LlmError } from './errors.ts';
import { LLM_TIERS, type LlmTier } from './wire-types.ts';

/** What a caller (a skill through `llm.complete`, the admin) asks of the router. */
export interface CompleteRequest {
  /** One user message; give either this or `messages`. */
  prompt?: string;
  /** A conversation, oldest first, ending with the user's turn. */
  messages?: LlmMessage[];
  system?: string;
  /** Default `medium`; a workflow step's tier, when set, wins (the owner's choice). */
  tier?: LlmTier;
  /** Default setting `llm.max_tokens_default` (1,024); at most `llm.max_tokens_per_call` (8,192). */
  maxTokens?: number;
  temperature?: number;
  /** The answer must be JSON: it comes back parsed as `json`, or the call fails with `llm_invalid_json`. */
  json?: boolean;
  /**
   * Content from outside (a page, a feed item): sanitized, put between delimiters carrying a random
   * value drawn for this call, and appended to the last user message; the system prompt says that
   * text between them is data, never instructions.
   */
  untrusted?: string;
}

/** Characters of prompt, system, messages and untrusted content together: ~100k tokens. */
export const MAX_INPUT_CHARS = 400_000;
export const MAX_MESSAGES = 100;
const DEFAULT_TIER: LlmTier = 'medium';

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prompt: { type: 'string', minLength: 1, maxLength: MAX_INPUT_CHARS },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_MESSAGES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['role', 'content'],
        properties: {
          role: { enum: ['user', 'assistant'] },
          content: { type: 'string', maxLength: MAX_INPUT_CHARS },
        },
      },
    },
    system: { type: 'string', maxLength: MAX_INPUT_CHARS },
    tier: { enum: [...LLM_TIERS] },
    maxTokens: { type: 'integer', minimum: 1 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    json: { type: 'boolean' },
    untrusted: { type: 'string', maxLength: MAX_INPUT_CHARS },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile<CompleteRequest>(requestSchema);

/** A request checked and filled in: what the router sends (before the untrusted block is added). */
export interface NormalisedRequest {
  messages: LlmMessage[];
  system: string | undefined;
  tier: LlmTier;
  maxTokens: number;
  temperature: number | undefined;
  json: boolean;
  untrusted: string | undefined;
}

function invalid(message: string): LlmError {
  return new LlmError('llm_invalid_request', `Invalid LLM request: ${message}`);
}

/** Checks a request from outside and fills in the defaults; every problem is named. */
export function normaliseRequest(
  input: unknown,
  limits: { defaultMaxTokens: number; maxTokensPerCall: number },
): NormalisedRequest {
  if (!validate(input)) {
    const problems = ajvProblems(validate.errors);
    throw invalid(problems.map((problem) => `${problem.path} ${problem.message}`).join('; '));
  }
  const request = input;
  if ((request.prompt === undefined) === (request.messages === undefined)) {
    throw invalid('give either "prompt" or "messages"');
  }
  const messages = request.messages ?? [{ role: 'user' as const, content: request.prompt! }];
  if (messages.at(-1)!.role !== 'user') throw invalid("the last message must be the user's");
  const maxTokens = request.maxTokens ?? limits.defaultMaxTokens;
  if (maxTokens > limits.maxTokensPerCall) {
    throw invalid(
      `maxTokens ${maxTokens} is more than the ${limits.maxTokensPerCall} one call may ask for (setting llm.max_tokens_per_call)`,
    );
  }
  const size =
    (request.system?.length ?? 0) +
    (request.untrusted?.length ?? 0) +
    messages.reduce((total, message) => total + message.content.length, 0);
  if (size > MAX_INPUT_CHARS) {
    throw invalid(`the prompt is ${size} characters; at most ${MAX_INPUT_CHARS} are sent`);
  }
  return {
    messages: messages.map((message) => ({ role: message.role, content: message.content })),
    system: request.system,
    tier: request.tier ?? DEFAULT_TIER,
    maxTokens,
    temperature: request.temperature,
    json: request.json === true,
    untrusted: request.untrusted,
  };
}

/** Tokens a request may use at most, for the budget reservation: ~4 characters a token, plus maxTokens. */
export function estimateTokens(
  request: Pick<NormalisedRequest, 'messages' | 'system' | 'maxTokens'>,
): number {
  const chars =
    (request.system?.length ?? 0) +
    request.messages.reduce((total, message) => total + message.content.length, 0);
  return Math.ceil(chars / 4) + request.maxTokens;
}
