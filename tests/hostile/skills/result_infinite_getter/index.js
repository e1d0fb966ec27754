export default { run() { return { get forever() { for (;;) {} } }; } };
