// Fire-and-forget calls in a tight loop: the glue refuses most locally, the CPU limit ends it.
export default { run({ api }) { for (let i = 0; ; i++) api.log.info('x').catch(() => {}); } };
