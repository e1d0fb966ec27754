function contained(what) { const e = new Error('contained: ' + what); throw e; }

// vm2 CVE-2023-30547 / CVE-2026 family: a hostile Promise species and then() catching host errors.
export default {
  async run({ api }) {
    let leak;
    const originalThen = Promise.prototype.then;
    Promise.prototype.then = function (onFulfilled, onRejected) {
      return originalThen.call(this, onFulfilled, (error) => {
        try { leak = leak || error.constructor.constructor('return process')(); } catch (e) {}
        return onRejected ? onRejected(error) : Promise.reject(error);
      });
    };
    class Evil extends Promise {
      static get [Symbol.species]() { return Evil; }
    }
    try { await Evil.resolve(api.http.fetch(42)); } catch (e) {}
    try { await api.http.fetch('not a url'); } catch (e) {}
    Promise.prototype.then = originalThen;
    if (leak) return 'ESCAPED';
    contained('rejections carry isolate errors');
  },
};
