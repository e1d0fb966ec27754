function contained(what) { const e = new Error('contained: ' + what); throw e; }

// vm2 CVE-2023-37466 family: proxies handed to the host hoping it runs a trap with host objects.
export default {
  async run({ api }) {
    const seen = [];
    const proxies = new Set();
    const trap = new Proxy({}, {
      get(target, key, receiver) { if (seen.length < 100) seen.push(receiver); return undefined; },
      getPrototypeOf() { seen.push('proto'); return null; },
    });
    proxies.add(trap);
    try { await api.log.info('proxy', trap); } catch (e) {}
    try { await api.storage.get(trap); } catch (e) {}
    for (const value of [...seen]) {
      if (proxies.has(value) || typeof value !== 'object' || value === null) continue;
      if (value.constructor && value.constructor.constructor !== Function) return 'ESCAPED';
    }
    contained('traps only ever saw isolate objects');
  },
};
