/** Shared test scenarios. */
import type { CommitState } from './channel-pair.js';
import { Env, type EnvOptions } from './env.js';

/** hA1/hA2 offered by A, hB1/hB2 offered by B; B knows hA1's preimage, A knows hB1's. */
export function fourHtlcs(opts: EnvOptions = {}) {
  const env = new Env({ delayOnA: 20, delayOnB: 15, claimFeerate: 1000, ...opts });
  const p = env.pair;
  const H = env.chain.tipHeight;
  const hA1 = p.htlc('A', 30_000_000n, H + 40);
  const hA2 = p.htlc('A', 25_000_000n, H + 50);
  const hB1 = p.htlc('B', 40_000_000n, H + 60);
  const hB2 = p.htlc('B', 35_000_000n, H + 45);
  const s1: CommitState = { toAMsat: 545_000_000n, toBMsat: 325_000_000n, htlcs: [hA1, hA2, hB1, hB2], feeratePerKw: 2000 };
  env.advance(p.advance(s1));
  env.A.apply([p.preimageUpdate('A', hB1)]);
  env.B.apply([p.preimageUpdate('B', hA1)]);
  return { env, p, H, hA1, hA2, hB1, hB2, s1 };
}

