/**
 * Work in progress: the Node-only entry of this package is being built; it exports nothing yet.
 *
 * @packageDocumentation
 */
export {};
