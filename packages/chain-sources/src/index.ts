/**
 * Work in progress: this package is being built (see the open issue); it exports nothing yet.
 *
 * @packageDocumentation
 */
export {};
