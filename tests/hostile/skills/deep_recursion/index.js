export default { run() { const dive = (n) => dive(n + 1) + 1; return dive(0); } };
