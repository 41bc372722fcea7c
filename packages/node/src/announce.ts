/** Our BOLT 7 `node_announcement`: features, alias, colour and the TCP addresses we listen on, signed with the node key. */
import type { NodeSigner } from '@ln/chain-interfaces';
import { sha256d } from '@ln/crypto';
import { encodeAddresses, encodeMessage, makeMessage, type NodeAddress, type NodeAnnouncement } from '@ln/wire';

/**
 * Builds and signs a `node_announcement` (BOLT 7 "The `node_announcement` Message": the
 * signature covers the double-SHA256 of everything after it). `listening` holds `host:port`
 * strings; IPv4 ones are announced (others are skipped).
 */
export function signedNodeAnnouncement(signer: NodeSigner, features: Uint8Array, alias: string, listening: readonly string[], timestamp: number): NodeAnnouncement {
  const aliasBytes = new Uint8Array(32);
  aliasBytes.set(new TextEncoder().encode(alias).subarray(0, 32));
  const addresses: NodeAddress[] = listening.flatMap((a) => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(a);
    return m ? [{ type: 'ipv4', addr: Uint8Array.from(m.slice(1, 5).map(Number)), port: Number(m[5]) } as NodeAddress] : [];
  });
  const unsigned = makeMessage('node_announcement', {
    signature: new Uint8Array(64), features, timestamp, nodeId: signer.getNodeId(), rgbColor: Uint8Array.of(0x33, 0x66, 0x99), alias: aliasBytes, addresses: encodeAddresses(addresses),
  });
  return { ...unsigned, signature: signer.signGossipMessage(sha256d(encodeMessage(unsigned).subarray(2 + 64))) };
}
