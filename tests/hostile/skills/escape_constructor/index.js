function contained(what) { const e = new Error('contained: ' + what); throw e; }

async function attempt(make) {
  try {
    const value = await make();
    return value !== undefined && value !== null ? value : undefined;
  } catch (e) {
    return undefined;
  }
}

export default {
  async run() {
    const found =
      (await attempt(() => ({}).constructor.constructor('return process')())) ||
      (await attempt(() => this.constructor.constructor('return this.process')())) ||
      (await attempt(() => Object.getPrototypeOf(async function () {}).constructor('return process')())) ||
      (await attempt(() => Object.getPrototypeOf(function* () {}).constructor('yield process')().next().value));
    if (found) return 'ESCAPED: ' + typeof found.pid;
    contained('no process through constructors');
  },
};
