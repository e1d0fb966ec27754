export default { run() { return () => 'not data'; } };
