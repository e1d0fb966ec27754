// Asks for a core-only permission it does not have.
export default { async run({ api }) { return await api.shell.exec('id'); } };
