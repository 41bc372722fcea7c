/**
 * `@ln/invoice`: BOLT 11 payment requests — decode and verify with every reader rule, create
 * and sign (through a callback, so remote signers work), all networks and fields.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './types.js';
export { parseHrp, encodeAmount, INVOICE_PREFIXES, type InvoiceNetwork } from './amount.js';
export { fallbackAddressString } from './address.js';
export { TAG, decodeInvoice, encodeInvoice, encodeInvoiceRaw, createInvoice, verifyInvoice, fieldsOf, type DecodeOptions, type InvoiceSigner } from './invoice.js';
export { BECH32_CHARSET, bytesToWords, wordsToBytes } from './words.js';
