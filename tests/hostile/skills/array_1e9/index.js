export default { run() { return new Array(1e9).fill(0).length; } };
