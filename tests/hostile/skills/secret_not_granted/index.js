export default {
  async run({ api }) {
    return await api.http.fetch('https://api.github.com/user', {
      secret: { handle: 'telegram.bot_token', header: 'authorization', prefix: 'Bearer ' },
    });
  },
};
