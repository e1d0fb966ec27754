import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../fakes/llm/anthropic.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { startFakeGemini } from '../fakes/llm/gemini.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import { createLlmBed, type LlmBed } from './support/llm-bed.ts';

let bed: LlmBed;
const fakes: FakeLlmServer[] = [];

beforeAll(async () => {
  bed = await createLlmBed();
});

afterAll(async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
  await bed.close();
});

describe('each provider kind, through its SDK, against a fake of its API', () => {
  for (const [kind, start] of [
    ['anthropic', startFakeAnthropic],
    ['gemini', startFakeGemini],
    ['openai', startFakeOpenAi],
  ] as const) {
    it(`${kind}: sends the system prompt, the conversation, maxTokens and the key; answers text, model and usage`, async () => {
      const fake = await start(`secret-${kind}-key-123456`);
      fakes.push(fake);
      await bed.addProvider(fake, { id: `only_${kind}`, kind });
      fake.script({ answer: `hello from ${kind}`, inputTokens: 11, outputTokens: 7 });
      const result = await bed.router.complete(
        {
          system: 'Be brief.',
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello!' },
            { role: 'user', content: 'Say hi again' },
          ],
          maxTokens: 50,
          temperature: 0.2,
        },
        { skill: 'tester', runId: `run-${kind}`, provider: `only_${kind}` },
      );
      expect(result).toMatchObject({
        text: `hello from ${kind}`,
        provider: `only_${kind}`,
        usage: { inputTokens: 11, outputTokens: 7 },
      });
      expect(result.model).toContain(`${kind}-model`);
      const body = JSON.stringify(fake.requests.at(-1)!.body);
      expect(body).toContain('Be brief.');
      expect(body).toContain('Say hi again');
      expect(body).toContain('50');
    });
  }
});
