export default { async run({ input, api }) { return await api.skills.invoke('invoke_chain_bomb', (input || 0) + 1); } };
