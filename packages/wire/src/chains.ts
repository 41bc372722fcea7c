/** BOLT 1 `chain_hash` values: genesis block hashes in internal byte order. */
import type { Network } from '@ln/chain-interfaces';

const fromDisplay = (hex: string): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[31 - i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};

/** Genesis block hashes as explorers show them (display order). */
export const GENESIS_HASH_HEX: Readonly<Record<Network, string>> = {
  mainnet: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  testnet: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
  testnet4: '00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043',
  signet: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
  regtest: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
};

/** The BOLT 1 `chain_hash` of a network (internal byte order, as it appears in messages). */
export function chainHashOf(network: Network): Uint8Array {
  return fromDisplay(GENESIS_HASH_HEX[network]);
}

/** The network of a `chain_hash`, if it is one of the known ones. */
export function networkOfChainHash(chainHash: Uint8Array): Network | undefined {
  for (const n of Object.keys(GENESIS_HASH_HEX) as Network[]) {
    const h = chainHashOf(n);
    if (h.length === chainHash.length && h.every((b, i) => b === chainHash[i])) return n;
  }
  return undefined;
}
