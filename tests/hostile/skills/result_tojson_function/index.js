export default { run() { return { toJSON() { return () => 'a function'; } }; } };
