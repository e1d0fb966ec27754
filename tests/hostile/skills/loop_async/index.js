export default { async run() { await null; for (;;) {} } };
