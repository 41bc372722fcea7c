/** BOLT 11 "Human-Readable Part": the currency prefix and the amount with its multiplier. */
import { InvoiceError } from './errors.js';

/** Networks with a BOLT 11 prefix. */
export type InvoiceNetwork = 'mainnet' | 'testnet' | 'signet' | 'regtest';

/** `ln` + the BIP 173 currency prefix. Longest first, so `lnbcrt` is not read as `lnbc` + amount. */
export const INVOICE_PREFIXES: readonly [string, InvoiceNetwork][] = [
  ['lnbcrt', 'regtest'],
  ['lntbs', 'signet'],
  ['lntb', 'testnet'],
  ['lnbc', 'mainnet'],
];

/** msat per unit of each multiplier: bitcoin = 10^11 msat; `p` is 1/10 msat. */
const MSAT_PER: Record<string, bigint> = { '': 100_000_000_000n, m: 100_000_000n, u: 100_000n, n: 100n };

/** Parses the human-readable part into its network and amount (msat, `undefined` when absent). */
export function parseHrp(hrp: string): { network: InvoiceNetwork; prefix: string; amountMsat?: bigint } {
  const found = INVOICE_PREFIXES.find(([p]) => hrp.startsWith(p));
  if (!found) throw new InvoiceError('unknown_prefix', `unknown invoice prefix in "${hrp}"`);
  const [prefix, network] = found;
  const rest = hrp.slice(prefix.length);
  if (rest === '') return { network, prefix };
  const m = /^(\d+)(.?)$/.exec(rest);
  if (!m) throw new InvoiceError('invalid_amount', `amount "${rest}" is not digits and a multiplier`);
  const [, digits, mult] = m as unknown as [string, string, string];
  if (mult !== '' && !'munp'.includes(mult)) throw new InvoiceError('invalid_multiplier', `unknown multiplier "${mult}"`);
  if (digits.length > 1 && digits[0] === '0') throw new InvoiceError('invalid_amount', `amount "${digits}" has leading zeros`);
  const value = BigInt(digits);
  if (value === 0n) throw new InvoiceError('invalid_amount', 'amount must be positive');
  if (mult === 'p') {
    if (value % 10n !== 0n) throw new InvoiceError('sub_millisatoshi_precision', `amount ${digits}p is not a whole number of millisatoshis`);
    return { network, prefix, amountMsat: value / 10n };
  }
  return { network, prefix, amountMsat: value * MSAT_PER[mult]! };
}

/** Encodes an amount (msat) with the largest multiplier that keeps it an integer (the shortest form). */
export function encodeAmount(amountMsat: bigint): string {
  if (amountMsat <= 0n) throw new InvoiceError('invalid_amount', 'amount must be positive');
  for (const mult of ['', 'm', 'u', 'n']) {
    const per = MSAT_PER[mult]!;
    if (amountMsat % per === 0n) return `${amountMsat / per}${mult}`;
  }
  return `${amountMsat * 10n}p`;
}
