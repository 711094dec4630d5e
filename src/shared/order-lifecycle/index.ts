/**
 * The order lifecycle shared kernel: pure TypeScript, no Nest, no I/O, no
 * clock. Test fixtures live in ./testing (not re-exported here).
 */
export * from './actors';
export * from './statuses';
export * from './events';
export * from './commands';
export * from './transitions';
export * from './errors';
export * from './order';
export * from './event-validation';
export * from './upcasting';
