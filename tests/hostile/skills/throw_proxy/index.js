export default { run() { throw new Proxy(new Error('trap'), { get() { for (;;) {} } }); } };
