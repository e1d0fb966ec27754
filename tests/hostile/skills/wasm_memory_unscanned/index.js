export default {
  run() {
    const W = globalThis['Web' + 'Assembly'];
    return new W.Memory({ initial: 65536 }).buffer.byteLength;
  },
};
