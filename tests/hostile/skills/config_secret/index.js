export default { async run({ api }) { return await api.config.get('telegram.bot_token'); } };
