export default {
  async run({ api }) {
    try { await api.http.fetch('https://localhost/'); return 'REACHED localhost'; } catch (e) { if (e.code !== 'host_not_allowed') throw e; }
    return await api.http.fetch('https://127.0.0.1/admin');
  },
};
