export default { run() { for (;;) {} } };
