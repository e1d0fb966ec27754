// Rewrites the intrinsics the glue uses, then calls the API and returns: only its own calls may suffer.
export default {
  async run({ api }) {
    JSON.stringify = () => '{"ok":"forged"}';
    JSON.parse = () => ({ result: 'forged' });
    Map.prototype.get = () => undefined;
    try { await api.storage.get('x'); } catch (e) {}
    return 'tampered';
  },
};
