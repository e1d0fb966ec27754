function contained(what) { const e = new Error('contained: ' + what); throw e; }

export default {
  async run() {
    const specifier = ['node', 'fs'].join(':');
    let fs;
    try { fs = await import(specifier); } catch (e) { contained('import refused: ' + e.message); }
    return 'ESCAPED: ' + typeof fs.readFileSync;
  },
};
