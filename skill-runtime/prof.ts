import { createMemoryRuntime } from './src/testing/memory-runtime.ts';
const t = createMemoryRuntime({ sandbox: { spareWorkers: 0, placement: { probationCalls: 0 } } });
await t.install({ name: 'echo' }, `export default { run({ input }) { return input; } };`);
for (let i = 0; i < 2000; i++) await t.runtime.run('echo', { input: i });
const samples: number[] = [];
for (let i = 0; i < 20000; i++) { const s = performance.now(); await t.runtime.run('echo', { input: i }); samples.push((performance.now() - s) * 1000); }
samples.sort((a, b) => a - b);
console.log('p50', samples[10000]?.toFixed(1), 'p90', samples[18000]?.toFixed(1));
await t.close();
