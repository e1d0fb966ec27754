function contained(what) { const e = new Error('contained: ' + what); throw e; }

// Errors the host produced (a denied call) reflected on for a host constructor.
export default {
  async run({ api }) {
    let found;
    try {
      await api.storage.get('x');
    } catch (error) {
      for (const candidate of [error, Object.getPrototypeOf(error), error.constructor]) {
        try { found = found || candidate.constructor.constructor('return process')(); } catch (e) {}
      }
      if (Object.getPrototypeOf(error) !== Error.prototype) return 'ESCAPED: foreign error prototype';
    }
    if (found) return 'ESCAPED';
    contained('host errors are rebuilt inside the isolate');
  },
};
