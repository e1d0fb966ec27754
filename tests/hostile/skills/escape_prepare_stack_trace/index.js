function contained(what) { const e = new Error('contained: ' + what); throw e; }

// vm2 CVE-2022-36067 / CVE-2023-29017 family: host frames leaking through prepareStackTrace.
export default {
  async run({ api }) {
    const leaked = [];
    Error.prepareStackTrace = (error, frames) => {
      for (const frame of frames) {
        try {
          const self = frame.getThis();
          if (self && self.process) leaked.push(self.process);
          const fn = frame.getFunction();
          if (fn) leaked.push(fn.constructor('return typeof process')());
        } catch (e) {}
      }
      return 'stack';
    };
    try { await api.config.get('x'); } catch (e) { void e.stack; }
    void new Error('probe').stack;
    if (leaked.some((value) => value && value !== 'undefined')) return 'ESCAPED';
    contained('no host frames');
  },
};
