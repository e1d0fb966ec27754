function contained(what) { const e = new Error('contained: ' + what); throw e; }

// Node's util.inspect custom hook: only dangerous if the host inspects the skill's objects.
export default {
  async run({ api }) {
    const hook = Symbol.for('nodejs.util.inspect.custom');
    const bait = { [hook]: (depth, options, inspect) => { globalThis.hit = inspect; return 'hooked'; }, label: 'bait' };
    await api.log.info('bait', { bait: 'plain' });
    try { await api.log.info(bait); } catch (e) {}
    if (globalThis.hit) return 'ESCAPED';
    return { [hook]: () => 'hooked', label: 'plain data only' };
  },
};
