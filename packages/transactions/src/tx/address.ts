/** Segwit addresses (BIP 173 bech32 for v0, BIP 350 bech32m for v1+) for every network. */
import { bech32, bech32m } from '@scure/base';
import type { Network } from '@ln/chain-interfaces';
import { TransactionError } from '../errors.js';

/** The bech32 human-readable part of each network. */
export const SEGWIT_HRP: Readonly<Record<Network, string>> = { mainnet: 'bc', testnet: 'tb', testnet4: 'tb', signet: 'tb', regtest: 'bcrt' };

/** The address of a segwit output script (`OP_n <program>`); throws for other scripts. */
export function addressFromScript(scriptPubkey: Uint8Array, network: Network): string {
  const v = scriptPubkey[0] === 0 ? 0 : scriptPubkey[0]! >= 0x51 && scriptPubkey[0]! <= 0x60 ? scriptPubkey[0]! - 0x50 : -1;
  const program = scriptPubkey.subarray(2);
  if (v < 0 || scriptPubkey[1] !== program.length || program.length < 2 || program.length > 40) {
    throw new TransactionError('invalid_value', 'not a segwit output script');
  }
  const words = [v, ...bech32.toWords(program)];
  return (v === 0 ? bech32 : bech32m).encode(SEGWIT_HRP[network], words, 90);
}

/** The output script of a segwit address, checking its network and checksum variant. */
export function scriptFromAddress(address: string, network: Network): Uint8Array {
  const hrp = SEGWIT_HRP[network];
  let decoded: { prefix: string; words: number[] };
  let variant: 'bech32' | 'bech32m';
  try {
    decoded = bech32.decode(address as `${string}1${string}`, 90);
    variant = 'bech32';
  } catch {
    try {
      decoded = bech32m.decode(address as `${string}1${string}`, 90);
      variant = 'bech32m';
    } catch {
      throw new TransactionError('invalid_value', `not a bech32/bech32m address: ${address}`);
    }
  }
  if (decoded.prefix !== hrp) throw new TransactionError('invalid_value', `address is for ${decoded.prefix}, not ${network}`);
  const [v, ...rest] = decoded.words;
  if (v === undefined || v > 16) throw new TransactionError('invalid_value', 'bad witness version');
  if ((v === 0) !== (variant === 'bech32')) throw new TransactionError('invalid_value', `witness v${v} must use ${v === 0 ? 'bech32' : 'bech32m'}`);
  const program = bech32.fromWords(rest);
  if (program.length < 2 || program.length > 40 || (v === 0 && program.length !== 20 && program.length !== 32)) {
    throw new TransactionError('invalid_value', `bad witness program length ${program.length}`);
  }
  return Uint8Array.from([v === 0 ? 0 : 0x50 + v, program.length, ...program]);
}
