export default { run() { return new WebAssembly.Memory({ initial: 65536 }).buffer.byteLength; } };
