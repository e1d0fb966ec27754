export default {
  async run() {
    const bytes = new Uint8Array(8 << 20);
    bytes.set([0, 97, 115, 109, 1, 0, 0, 0]);
    const wasm = globalThis.WebAssembly || Object.getPrototypeOf(function () {}).constructor('return WebAssembly')();
    return typeof (await wasm.compile(bytes));
  },
};
