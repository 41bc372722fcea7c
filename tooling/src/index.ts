/** Repository checks: the dependency rule and the browser bundle check. */
export * from './workspace.js';
export * from './dependency-rule.js';
export * from './browser-check.js';
