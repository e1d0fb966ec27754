export default { run() { return new Proxy({}, { ownKeys() { for (;;) {} } }); } };
