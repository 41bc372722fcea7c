/** Every message declaration and message type, by BOLT. */
export * from './bolt1.js';
export * from './bolt2-establish.js';
export * from './bolt2-interactive.js';
export * from './bolt2-close.js';
export * from './bolt2-normal.js';
export * from './bolt7.js';
