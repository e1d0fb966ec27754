/** Untrusted content between delimiters with a random value per call: shared with the SDK's local model. */
export {
  delimitUntrusted,
  randomMarker,
  type DelimitedContent,
} from '@talon/skill-runtime/api/llm-prompt.ts';
