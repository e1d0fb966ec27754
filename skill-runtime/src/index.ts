// The public surface of @talon/skill-runtime; filled as the contract and the runtime move here (issue 11).
export {};
export * from './recipes/index.ts';
