// Holds only skills.invoke, and tries to write storage through a more privileged skill.
export default {
  async run({ api }) {
    return await api.skills.invoke('privileged_vault', 'loot');
  },
};
