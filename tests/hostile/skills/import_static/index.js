import fs from 'node:fs';
export default { run() { return typeof fs.readFileSync; } };
