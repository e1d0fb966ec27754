import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from './frames.ts';

function reader(max = 100): { frames: unknown[]; oversized: number[]; reader: FrameReader } {
  const frames: unknown[] = [];
  const oversized: number[] = [];
  return {
    frames,
    oversized,
    reader: new FrameReader(max, {
      frame: (message) => frames.push(message),
      oversized: (bytes) => oversized.push(bytes),
    }),
  };
}

describe('the framed channel between host and worker', () => {
  it('reads frames split across chunks and several frames in one chunk', () => {
    const { frames, reader: r } = reader();
    const bytes = Buffer.concat([
      encodeFrame({ t: 'ready' }),
      encodeFrame({ t: 'api', text: 'é ✓' }),
      encodeFrame(1),
    ]);
    for (let index = 0; index < bytes.length; index += 3) r.push(bytes.subarray(index, index + 3));
    expect(frames).toEqual([{ t: 'ready' }, { t: 'api', text: 'é ✓' }, 1]);
  });

  it('reports a frame that is not JSON as undefined, and goes on', () => {
    const { frames, reader: r } = reader();
    const broken = Buffer.from('not json');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(broken.length);
    r.push(Buffer.concat([header, broken, encodeFrame('next')]));
    expect(frames).toEqual([undefined, 'next']);
  });

  it('stops at a header larger than the cap, before keeping any of its bytes, and reads nothing after', () => {
    const { frames, oversized, reader: r } = reader(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(101);
    r.push(Buffer.concat([header, Buffer.alloc(50, 120)]));
    r.push(encodeFrame({ t: 'ready' }));
    expect(oversized).toEqual([101]);
    expect(frames).toEqual([]);
  });
});
