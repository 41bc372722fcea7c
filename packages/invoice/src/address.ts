/** Fallback addresses of the `f` field: segwit (bech32/bech32m) and legacy P2PKH/P2SH (base58check). */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '@ln/crypto';
import type { InvoiceNetwork } from './amount.js';

const base58check = createBase58check(sha256);
const SEGWIT_HRP: Record<InvoiceNetwork, string> = { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' };
const P2PKH_VERSION: Record<InvoiceNetwork, number> = { mainnet: 0x00, testnet: 0x6f, signet: 0x6f, regtest: 0x6f };
const P2SH_VERSION: Record<InvoiceNetwork, number> = { mainnet: 0x05, testnet: 0xc4, signet: 0xc4, regtest: 0xc4 };

/** The address string of a fallback: version 0–16 segwit, 17 P2PKH, 18 P2SH; `undefined` for other versions. */
export function fallbackAddressString(version: number, program: Uint8Array, network: InvoiceNetwork): string | undefined {
  if (version === 17 || version === 18) {
    if (program.length !== 20) return undefined;
    const v = version === 17 ? P2PKH_VERSION[network] : P2SH_VERSION[network];
    return base58check.encode(Uint8Array.from([v, ...program]));
  }
  if (version > 16 || program.length < 2 || program.length > 40) return undefined;
  if (version === 0 && program.length !== 20 && program.length !== 32) return undefined;
  return (version === 0 ? bech32 : bech32m).encode(SEGWIT_HRP[network], [version, ...bech32.toWords(program)], false);
}
