export default { run() { throw { get message() { for (;;) {} } }; } };
