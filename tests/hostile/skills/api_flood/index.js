export default { async run({ api }) { for (let i = 0; ; i++) await api.config.get('telegram.chat_id'); } };
