function contained(what) { const e = new Error('contained: ' + what); throw e; }

// Everything a Node program could reach for.
export default {
  async run() {
    const names = ['require', 'process', 'Buffer', 'module', 'exports', 'global', 'setTimeout', 'setInterval',
      'setImmediate', 'queueMicrotask', 'fetch', 'XMLHttpRequest', 'WebAssembly', 'SharedArrayBuffer', 'Atomics',
      '__dirname', 'ivm', '_ivm'];
    // (V8's own `console` is there: without an inspector its methods do nothing.)
    const present = names.filter((name) => typeof globalThis[name] !== 'undefined');
    let imported = 'refused';
    try { await import('node:fs'); imported = 'IMPORTED'; } catch (e) {}
    let evaluated = 'refused';
    try { evaluated = String(eval('typeof process')); } catch (e) {}
    if (present.length > 0 || imported !== 'refused' || (evaluated !== 'refused' && evaluated !== 'undefined')) {
      return 'ESCAPED: ' + present.join(',') + ' ' + imported + ' ' + evaluated;
    }
    contained('nothing of Node is here');
  },
};
