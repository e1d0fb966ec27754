function contained(what) { const e = new Error('contained: ' + what); throw e; }

// The api functions are the only things the host handed in: climb their constructors.
export default {
  run({ api }) {
    let found;
    for (const fn of [api.log.info, api.http.fetch, api.storage.get]) {
      try { found = found || fn.constructor.constructor('return process')(); } catch (e) {}
      try { found = found || fn.call.constructor('return require')(); } catch (e) {}
    }
    if (found) return 'ESCAPED';
    contained('api functions are isolate functions');
  },
};
