// A more privileged skill that a hostile caller tries to drive through skills.invoke.
export default {
  async run({ input, api }) {
    await api.storage.set('stolen', input);
    return 'written';
  },
};
