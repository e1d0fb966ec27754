export default { async run({ api }) { for (let i = 0; ; i++) await api.log.info('line ' + i); } };
