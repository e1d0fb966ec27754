export default { async run({ api }) { return await api.http.fetch('https://example.org/'); } };
