export default { run() { return 'x'.repeat(3 * 1024 * 1024); } };
