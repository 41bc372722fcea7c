/**
 * Payments of a `LightningNode`: paying BOLT 11 invoices and keysend with routes from
 * `@ln/router` (the node's own channels as first hops, the invoice's route hints, the
 * `ProbabilisticScorer`), retrying failed parts on other paths using what the failure said
 * (BOLT 4 "Returning Errors"), giving up after an attempt or time budget, and recording every
 * payment (outbound and inbound) in the node's store. The scorer learns from each outcome
 * (`PaymentPathFailed` / `PaymentPathSuccessful`).
 *
 * The channel layer (`@ln/channel`'s `ChannelManager`) sends parts and reports each part's
 * fate; the retry policy lives here, as in LDK's `ChannelManager::send_payment` with
 * `Retry::Attempts`/`Retry::Timeout`.
 */
import type { KVStore, ModuleLogger } from '@ln/chain-interfaces';
import type { ChannelEvent, ChannelManager, PaymentPath, RecipientOnionFields } from '@ln/channel';
import { bytesToHex, compareBytes, equalBytes, hexToBytes, sha256, type Secp256k1 } from '@ln/crypto';
import type { NetworkGraph } from '@ln/gossip';
import { decodeInvoice, encodeInvoice, type Invoice, type InvoiceNetwork, type RouteHintHop } from '@ln/invoice';
import { findMultiPathRoute, RouteError, type FirstHop, type ProbabilisticScorer, type Route, type RouteParams, type Router, type ScoredHop } from '@ln/router';
import type { KeysManager } from '@ln/transactions';
import { Features } from '@ln/wire';
import { NodeError } from './errors.js';
import type { NodeEvent } from './events.js';
import { PAYMENTS_NAMESPACE, readJson, writeJson } from './store.js';

/** A payment as the node records it. */
export interface PaymentRecord {
  readonly paymentId: string;
  readonly direction: 'outbound' | 'inbound';
  readonly paymentHash: string;
  /** Known once paid (outbound) or when we created the invoice (inbound). */
  preimage?: string;
  /** Amount the payee receives (outbound) or we received (inbound), msat. */
  amountMsat: bigint;
  /** Routing fees we paid (outbound), msat. */
  feeMsat: bigint;
  status: 'pending' | 'succeeded' | 'failed';
  /** Paths tried (each part and retry is one). */
  attempts: number;
  /** Parts in flight or settled in the successful set. */
  parts: number;
  /** Hop counts of the paths that delivered the payment. */
  pathHops?: number[];
  /** The short channel ids (`BxTxO`, first hop first) of the paths that delivered the payment. */
  pathScids?: string[][];
  /** Rebuilt from the channel layer's events (its record had not reached the store): the amount is the sum of the delivered parts. */
  recovered?: boolean;
  readonly createdAt: number;
  updatedAt: number;
  readonly destination?: string;
  readonly invoice?: string;
  readonly keysend: boolean;
  failureReason?: string;
  /** Why it failed, machine-readable (see {@link PaymentFailureCode}). */
  failureCode?: PaymentFailureCode;
}

/**
 * Why a payment failed: `no_route` (no path, or none left after the failures), `fee_too_high`
 * (every route costs more than the policy's fee cap, counting the fees of the parts already in
 * flight), `attempts_exhausted` (`maxAttempts` paths tried), `timed_out` (`timeoutMs` passed),
 * `rejected` (the payee failed it, BOLT 4 `PERM` errors from the final node), `not_sent`, and
 * `failed` for anything else the channel layer reported.
 */
export type PaymentFailureCode = 'no_route' | 'fee_too_high' | 'attempts_exhausted' | 'timed_out' | 'rejected' | 'not_sent' | 'failed';

/** How hard `payInvoice`/`keysend` try. */
export interface PaymentPolicy {
  /** Paths tried at most, first attempt included (default 12). */
  readonly maxAttempts: number;
  /** Give up retrying after this long, ms (default 60 s). */
  readonly timeoutMs: number;
  /** Parts a payment may be split into (default 4; 1 when the payee does not support `basic_mpp`). */
  readonly maxParts: number;
  /** Fees accepted at most, as millionths of the amount plus a base (default 5,000 ppm + 1,000 msat). */
  readonly maxFeePpm: number;
  readonly maxFeeBaseMsat: bigint;
}

export const DEFAULT_PAYMENT_POLICY: PaymentPolicy = { maxAttempts: 12, timeoutMs: 60_000, maxParts: 4, maxFeePpm: 5_000, maxFeeBaseMsat: 1_000n };

/** What `payInvoice`/`keysend` resolve with. */
export interface PaymentResult {
  readonly paymentId: string;
  readonly paymentHash: string;
  readonly status: 'succeeded' | 'failed';
  readonly preimage?: string;
  readonly amountMsat: bigint;
  readonly feeMsat: bigint;
  readonly attempts: number;
  readonly parts: number;
  /** Hop counts of the paths that delivered it (one per part). */
  readonly pathHops: readonly number[];
  /** The short channel ids (`BxTxO`, first hop first) of the paths that delivered it. */
  readonly pathScids: readonly (readonly string[])[];
  readonly failureReason?: string;
  readonly failureCode?: PaymentFailureCode;
}

interface Outbound {
  readonly record: PaymentRecord;
  readonly payee: Uint8Array;
  readonly routeHints: readonly (readonly RouteHintHop[])[];
  readonly finalCltvExpiryDelta: number;
  readonly maxParts: number;
  /** This payment's policy (the node's defaults overridden by the caller's): retries read it too. */
  readonly policy: PaymentPolicy;
  /** The most all parts together may pay in fees, msat (the policy's cap on the whole amount). */
  readonly feeCapMsat: bigint;
  /** Fees of the parts in flight or delivered, msat (a failed part's fee is given back to the budget). */
  feesCommittedMsat: bigint;
  readonly deadline: number;
  readonly excluded: Set<bigint>;
  readonly excludedNodes: Uint8Array[];
  readonly resolve: (r: PaymentResult) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  abandoned: boolean;
  inFlight: number;
  /** `PaymentSent` came: the payment is done once the parts still in flight report success. */
  sent: boolean;
}

/** What the payments layer needs from the node. */
export interface PaymentsHost {
  readonly cm: ChannelManager;
  readonly graph: NetworkGraph;
  readonly scorer: ProbabilisticScorer;
  readonly keys: KeysManager;
  readonly store: KVStore;
  readonly secp: Secp256k1;
  readonly log: ModuleLogger;
  readonly network: InvoiceNetwork;
  /** The router over the current graph (cached; rebuilt when the graph changed). */
  router(): Router;
  now(): number;
  blockHeight(): number;
  entropy(): Uint8Array;
  emit(e: NodeEvent): void;
  scheduleForwards(f: () => void): void;
  kick(): void;
  /** The scorer learned something (the node persists it). */
  scorerUpdated(): void;
  /** Whether the node is running (a payment whose record lands after `stop()` is not sent). */
  isRunning(): boolean;
}

const KEYSEND_FINAL_CLTV = 40;

/** The node's payments (see the module comment). */
export class NodePayments {
  readonly policy: PaymentPolicy;
  private readonly records = new Map<string, PaymentRecord>();
  private readonly outbound = new Map<string, Outbound>();
  private writes: Promise<void> = Promise.resolve();
  /** Forwarding fees earned so far (this process), msat. */
  feesEarnedMsat = 0n;

  constructor(
    private readonly h: PaymentsHost,
    policy: Partial<PaymentPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_PAYMENT_POLICY, ...policy };
  }

  /** Reads the payment records from the store. Outbound payments left pending by a stop are resolved by the channel layer's events after the restart. */
  async load(): Promise<void> {
    for (const k of await this.h.store.list(PAYMENTS_NAMESPACE, '')) {
      const r = await readJson<PaymentRecord>(this.h.store, PAYMENTS_NAMESPACE, k);
      if (r) this.records.set(r.paymentId, r);
    }
  }

  /**
   * After a restart: outbound records still pending whose payment the channel manager does not
   * have in flight (`pendingIds`) were never sent (the manager's state including them was never
   * written, so none of their messages left): they are marked failed.
   */
  reconcile(pendingIds: ReadonlySet<string>): void {
    for (const r of this.records.values()) {
      if (r.direction !== 'outbound' || r.status !== 'pending' || pendingIds.has(r.paymentId)) continue;
      r.status = 'failed';
      r.failureReason = 'not sent: the node stopped before the payment left';
      r.failureCode = 'not_sent';
      void this.save(r);
    }
  }

  /** Every payment, newest first. */
  list(): PaymentRecord[] {
    return [...this.records.values()].sort((a, b) => b.createdAt - a.createdAt || (a.paymentId < b.paymentId ? -1 : 1));
  }

  get(paymentId: string): PaymentRecord | undefined {
    return this.records.get(paymentId);
  }

  /** Waits for queued record writes. */
  flush(): Promise<void> {
    return this.writes;
  }

  /** Records `r` (writes are chained, in order); the promise settles when this write is durable or failed. */
  private save(r: PaymentRecord): Promise<void> {
    r.updatedAt = this.h.now();
    this.records.set(r.paymentId, r);
    const snapshot = { ...r };
    const w = this.writes.then(() => writeJson(this.h.store, PAYMENTS_NAMESPACE, r.paymentId, snapshot));
    this.writes = w.catch((e) => this.h.log.error(`payment record write failed: ${(e as Error).message}`));
    w.catch(() => undefined); // callers that do not wait for it are told through the log
    return w;
  }

  // ------------------------------------------------------------------ receiving

  /**
   * A BOLT 11 invoice for `amountMsat` (any amount when undefined), signed with the node key.
   * The payment hash and secret come from the channel manager (`createInboundPayment`); private
   * channels go into route hints (`r` fields) so payers can reach us through them.
   */
  createInvoice(amountMsat: bigint | undefined, description: string, expirySecs = 3600, minFinalCltvExpiryDelta = 18): { invoice: string; paymentHash: string } {
    const { paymentHash, paymentSecret } = this.h.cm.createInboundPayment(amountMsat, expirySecs, minFinalCltvExpiryDelta);
    const hints: RouteHintHop[][] = [];
    for (const c of this.h.cm.listUsableChannels()) {
      if (c.isAnnounced || c.shortChannelId === undefined) continue;
      const policy = this.h.cm.channel(c.channelId)?.s.counterpartyForwardingPolicy;
      if (!policy) continue;
      hints.push([{ pubkey: c.counterpartyNodeId, shortChannelId: c.shortChannelId, feeBaseMsat: policy.feeBaseMsat, feeProportionalMillionths: policy.feeProportionalMillionths, cltvExpiryDelta: policy.cltvExpiryDelta }]);
    }
    const features = Features.fromBits([14, 17, 8]); // payment_secret (required), basic_mpp (optional), var_onion_optin (required): BOLT 11 "Feature Bits"
    const invoice = encodeInvoice(
      {
        network: this.h.network, timestamp: this.h.now(), paymentHash, paymentSecret, description, expirySeconds: expirySecs, minFinalCltvExpiryDelta,
        features, routeHints: hints, payeeNodeId: this.h.keys.getNodeId(), ...(amountMsat !== undefined ? { amountMsat } : {}),
      },
      (hash) => this.h.keys.signInvoice(hash),
    );
    const id = bytesToHex(paymentHash);
    this.save({
      paymentId: id, direction: 'inbound', paymentHash: id, amountMsat: amountMsat ?? 0n, feeMsat: 0n, status: 'pending', attempts: 0, parts: 0,
      createdAt: this.h.now(), updatedAt: this.h.now(), invoice, keysend: false,
    });
    return { invoice, paymentHash: id };
  }

  // ------------------------------------------------------------------ paying

  /** Pays a BOLT 11 invoice (see {@link PaymentPolicy} for the retry budget). Resolves with the outcome; rejects only for an unusable invoice. */
  payInvoice(invoiceStr: string, opts: { amountMsat?: bigint; policy?: Partial<PaymentPolicy> } = {}): Promise<PaymentResult> {
    let inv: Invoice;
    try {
      inv = decodeInvoice(invoiceStr, { secp: this.h.secp });
    } catch (e) {
      throw new NodeError(`cannot decode the invoice: ${(e as Error).message}`, 'bad_invoice');
    }
    if (inv.network !== this.h.network) throw new NodeError(`the invoice is for ${inv.network}, this node is on ${this.h.network}`, 'wrong_network');
    if (inv.isExpired(this.h.now())) throw new NodeError('the invoice has expired', 'expired');
    if (equalBytes(inv.payeeNodeId, this.h.keys.getNodeId())) throw new NodeError('the invoice is our own', 'self_payment');
    const amountMsat = inv.amountMsat ?? opts.amountMsat;
    if (amountMsat === undefined || amountMsat <= 0n) throw new NodeError('the invoice has no amount: give amountMsat', 'no_amount');
    const policy = { ...this.policy, ...opts.policy };
    const mpp = inv.features.supports('basic_mpp');
    const onion: RecipientOnionFields = { paymentSecret: inv.paymentSecret, totalMsat: amountMsat, ...(inv.paymentMetadata ? { paymentMetadata: inv.paymentMetadata } : {}) };
    return this.start({
      payee: inv.payeeNodeId, amountMsat, paymentHash: inv.paymentHash, routeHints: inv.routeHints, finalCltvExpiryDelta: inv.minFinalCltvExpiryDelta,
      maxParts: mpp ? policy.maxParts : 1, policy, invoice: invoiceStr, keysend: false,
      send: (paths, id) => this.h.cm.sendPayment(paths, inv.paymentHash, onion, id),
    });
  }

  /** Pays `amountMsat` to `nodeId` without an invoice (keysend: we choose the preimage, TLV 5482373484). */
  keysend(nodeId: Uint8Array, amountMsat: bigint, opts: { policy?: Partial<PaymentPolicy> } = {}): Promise<PaymentResult> {
    const preimage = this.h.entropy();
    const paymentHash = sha256(preimage);
    return this.start({
      payee: nodeId, amountMsat, paymentHash, routeHints: [], finalCltvExpiryDelta: KEYSEND_FINAL_CLTV, maxParts: 1, policy: { ...this.policy, ...opts.policy },
      keysend: true, send: (paths, id) => void this.h.cm.sendSpontaneousPayment(paths, preimage, {}, id),
    });
  }

  private async start(p: {
    payee: Uint8Array; amountMsat: bigint; paymentHash: Uint8Array; routeHints: readonly (readonly RouteHintHop[])[]; finalCltvExpiryDelta: number;
    maxParts: number; policy: PaymentPolicy; invoice?: string; keysend: boolean; send: (paths: readonly PaymentPath[], id: Uint8Array) => void;
  }): Promise<PaymentResult> {
    const idBytes = this.h.entropy();
    const paymentId = bytesToHex(idBytes);
    const record: PaymentRecord = {
      paymentId, direction: 'outbound', paymentHash: bytesToHex(p.paymentHash), amountMsat: p.amountMsat, feeMsat: 0n, status: 'pending', attempts: 0, parts: 0,
      createdAt: this.h.now(), updatedAt: this.h.now(), destination: bytesToHex(p.payee), keysend: p.keysend, ...(p.invoice ? { invoice: p.invoice } : {}),
    };
    let resolve!: (r: PaymentResult) => void;
    const result = new Promise<PaymentResult>((r) => (resolve = r));
    const o: Outbound = {
      record, payee: p.payee, routeHints: p.routeHints, finalCltvExpiryDelta: p.finalCltvExpiryDelta, maxParts: p.maxParts, policy: p.policy,
      feeCapMsat: feeCapMsat(p.policy, p.amountMsat), feesCommittedMsat: 0n, deadline: Date.now() + p.policy.timeoutMs,
      excluded: new Set(), excludedNodes: [], resolve, abandoned: false, inFlight: 0, sent: false,
      timer: setTimeout(() => this.giveUp(o, `timed out after ${p.policy.timeoutMs} ms`, 'timed_out'), p.policy.timeoutMs),
    };
    this.outbound.set(paymentId, o);
    let routes: Route[];
    try {
      routes = this.route(o, p.amountMsat);
    } catch (e) {
      this.finish(o, 'failed', { failureReason: (e as Error).message, failureCode: codeOf(e) });
      return result;
    }
    o.feesCommittedMsat += routes.reduce((a, r) => a + r.totalFeeMsat, 0n);
    // The record is durable before the first HTLC leaves: a crash after sending must not leave a
    // payment the channel layer resolves but the history never heard of.
    record.attempts += routes.length;
    record.parts = routes.length;
    try {
      await this.save(record);
    } catch (e) {
      this.finish(o, 'failed', { failureReason: `not sent: the payment record could not be written: ${(e as Error).message}`, failureCode: 'not_sent' });
      return result;
    }
    if (!this.h.isRunning()) {
      this.finish(o, 'failed', { failureReason: 'not sent: the node stopped', failureCode: 'not_sent' });
      return result;
    }
    if (o.abandoned) {
      // The time budget ran out while the record was written: nothing was sent.
      this.finish(o, 'failed', {});
      return result;
    }
    try {
      p.send(routes.map(toPath), idBytes);
    } catch (e) {
      this.finish(o, 'failed', { failureReason: `not sent: ${(e as Error).message}`, failureCode: 'not_sent' });
      return result;
    }
    o.inFlight = routes.length;
    this.h.kick();
    return result;
  }

  /**
   * Routes (one or several parts, up to the payment's `maxParts`) for `amountMsat` to the payee,
   * avoiding what failed before, within what is left of the payment's fee budget (its cap minus
   * the fees of the parts in flight). The scorer's choice is taken when it fits the budget;
   * otherwise the search is repeated with the budget as a bound (`maxFeeMsat`), and when that
   * finds nothing either the payment fails with `fee_too_high`.
   */
  private route(o: Outbound, amountMsat: bigint): Route[] {
    const maxParts = o.maxParts;
    const ours = this.h.keys.getNodeId();
    const firstHops: FirstHop[] = this.h.cm.listUsableChannels().flatMap((c) =>
      c.shortChannelId === undefined || o.excluded.has(c.shortChannelId) ? [] : [{ shortChannelId: c.shortChannelId, counterparty: c.counterpartyNodeId, outboundCapacityMsat: c.outboundCapacityMsat }],
    );
    if (!firstHops.length) throw new NodeError('no usable channel to send from', 'no_route');
    this.h.scorer.timePassed(this.h.now());
    const router = this.h.router();
    const params: RouteParams = {
      payer: ours, payee: o.payee, amountMsat, finalCltvExpiryDelta: o.finalCltvExpiryDelta, currentBlockHeight: this.h.blockHeight(), firstHops,
      routeHints: o.routeHints.map((hint) => hint.map((hop) => ({ ...hop }))), scorer: this.h.scorer, excludedChannels: [...o.excluded], excludedNodes: o.excludedNodes,
    };
    const search = (q: RouteParams): Route[] => {
      try {
        return maxParts > 1 ? [...findMultiPathRoute(router, q, { maxParts }).paths] : [router.findRoute(q)];
      } catch (e) {
        if (e instanceof RouteError) throw new NodeError(`no route: ${e.message}`, 'no_route');
        throw e;
      }
    };
    const budget = o.feeCapMsat - o.feesCommittedMsat;
    const routes = search(params);
    const fee = routes.reduce((a, r) => a + r.totalFeeMsat, 0n);
    if (fee <= budget) return routes;
    const allowed = `${budget} msat allowed${o.feesCommittedMsat > 0n ? ` (the cap ${o.feeCapMsat} minus ${o.feesCommittedMsat} for the parts in flight)` : ''}`;
    if (budget >= 0n) {
      try {
        return search({ ...params, maxFeeMsat: budget });
      } catch (e) {
        if (!(e instanceof NodeError && e.code === 'no_route')) throw e;
      }
    }
    throw new NodeError(`the cheapest route costs ${fee} msat in fees, more than the ${allowed}`, 'fee_too_high');
  }

  // ------------------------------------------------------------------ outcomes

  /** Takes the payment events of the channel manager. */
  handleEvent(e: ChannelEvent): void {
    switch (e.type) {
      case 'PendingHTLCsForwardable':
        this.h.scheduleForwards(() => this.h.cm.processPendingHtlcForwards());
        return;
      case 'PaymentClaimable': {
        const preimage = e.purpose.paymentPreimage;
        if (!preimage) {
          this.h.log.warn(`claimable payment ${bytesToHex(e.paymentHash)} with no known preimage: failing it back`);
          this.h.cm.failHtlcBackwards(e.paymentHash);
          return;
        }
        this.h.cm.claimFunds(preimage);
        return;
      }
      case 'PaymentClaimed': {
        const id = bytesToHex(e.paymentHash);
        const keysend = e.purpose.type === 'SpontaneousPayment';
        const r: PaymentRecord = this.records.get(id) ?? {
          paymentId: id, direction: 'inbound', paymentHash: id, amountMsat: 0n, feeMsat: 0n, status: 'pending', attempts: 0, parts: 0, createdAt: this.h.now(), updatedAt: this.h.now(), keysend,
        };
        r.status = 'succeeded';
        r.amountMsat = e.amountMsat;
        if (e.purpose.paymentPreimage) r.preimage = bytesToHex(e.purpose.paymentPreimage);
        this.save(r);
        this.h.emit({ type: 'PaymentReceived', paymentHash: id, amountMsat: e.amountMsat, keysend });
        return;
      }
      case 'PaymentForwarded':
        this.feesEarnedMsat += e.feeEarnedMsat ?? 0n;
        this.h.emit({ type: 'PaymentForwarded', feeEarnedMsat: e.feeEarnedMsat ?? 0n, amountForwardedMsat: e.outboundAmountForwardedMsat ?? 0n });
        return;
      case 'HTLCHandlingFailed':
        this.h.log.debug(`failed an HTLC back (${e.failedNextDestination.type})`);
        return;
      case 'PaymentPathSuccessful': {
        this.h.scorer.paymentPathSuccessful(this.scored(e.path), this.h.now());
        this.h.scorerUpdated();
        const o = this.outbound.get(bytesToHex(e.paymentId));
        const r = o?.record ?? this.records.get(bytesToHex(e.paymentId));
        if (r) {
          if (r.recovered) r.amountMsat += e.path.hops[e.path.hops.length - 1]!.amountMsat;
          r.pathHops = [...(r.pathHops ?? []), e.path.hops.length];
          r.pathScids = [...(r.pathScids ?? []), e.path.hops.map((h) => scidText(h.shortChannelId))];
          r.parts = r.pathHops.length;
          this.save(r);
        }
        if (o && --o.inFlight <= 0 && o.sent) this.finish(o, 'succeeded', {});
        return;
      }
      case 'PaymentPathFailed':
        this.onPathFailed(e);
        return;
      case 'PaymentSent': {
        const o = this.outbound.get(bytesToHex(e.paymentId));
        const id = bytesToHex(e.paymentId);
        const r: PaymentRecord = o?.record ?? this.records.get(id) ?? {
          // Sent by this node but its record never reached the store (only possible with a store that lost writes).
          paymentId: id, direction: 'outbound', paymentHash: bytesToHex(e.paymentHash), amountMsat: 0n, feeMsat: 0n, status: 'pending', attempts: 0, parts: 0,
          createdAt: this.h.now(), updatedAt: this.h.now(), keysend: false, recovered: true,
        };
        r.preimage = bytesToHex(e.paymentPreimage);
        r.feeMsat = e.feePaidMsat;
        if (o) {
          o.sent = true;
          if (o.inFlight <= 0) this.finish(o, 'succeeded', {});
          else this.save(r);
        } else {
          r.status = 'succeeded';
          this.save(r);
        }
        return;
      }
      case 'PaymentFailed': {
        const o = this.outbound.get(bytesToHex(e.paymentId));
        if (o) this.finish(o, 'failed', { failureReason: o.record.failureReason ?? e.reason });
        else {
          const r = this.records.get(bytesToHex(e.paymentId));
          if (r && r.status === 'pending') {
            r.status = 'failed';
            r.failureReason = e.reason;
            r.failureCode = 'failed';
            this.save(r);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  private onPathFailed(e: Extract<ChannelEvent, { type: 'PaymentPathFailed' }>): void {
    if (e.shortChannelId !== undefined) {
      this.h.scorer.paymentPathFailed(this.scored(e.path), e.shortChannelId, this.h.now());
      this.h.scorerUpdated();
    }
    const o = this.outbound.get(bytesToHex(e.paymentId));
    const failure = e.failure ? e.failure.name : undefined;
    if (!o) {
      // A payment sent before a restart: its retry state is gone, so no retry; the channel layer ends it.
      const r = this.records.get(bytesToHex(e.paymentId));
      if (r && r.status === 'pending') {
        r.failureReason = `a part failed after a restart${failure ? ` (${failure})` : ''}; not retried`;
        void this.save(r);
        this.h.cm.abandonPayment(e.paymentId);
      }
      return;
    }
    o.inFlight--;
    o.feesCommittedMsat -= e.path.hops[0]!.amountMsat - e.path.hops[e.path.hops.length - 1]!.amountMsat;
    if (o.sent) {
      // The payee has claimed (it released the preimage): a part failing now needs no retry.
      if (o.inFlight <= 0) this.finish(o, 'succeeded', {});
      return;
    }
    const lastHop = e.path.hops[e.path.hops.length - 1]!;
    let willRetry = !e.paymentFailedPermanently && !o.abandoned;
    if (e.paymentFailedPermanently) this.setFailure(o, `the payee rejected the payment${failure ? ` (${failure})` : ''}`, 'rejected');
    if (willRetry && o.record.attempts >= o.policy.maxAttempts) {
      willRetry = false;
      this.setFailure(o, `gave up after ${o.record.attempts} attempt${o.record.attempts > 1 ? 's' : ''} (maxAttempts ${o.policy.maxAttempts})${failure ? `; last failure: ${failure}` : ''}`, 'attempts_exhausted');
    } else if (willRetry && Date.now() > o.deadline) {
      willRetry = false;
      this.setFailure(o, `timed out after ${o.policy.timeoutMs} ms${failure ? `; last failure: ${failure}` : ''}`, 'timed_out');
    }
    if (willRetry) {
      // Blame the channel (or node) the failure names, then route the failed part's amount again.
      if (e.shortChannelId !== undefined) o.excluded.add(e.shortChannelId);
      else if (e.failingNodeId && !equalBytes(e.failingNodeId, o.payee)) o.excludedNodes.push(e.failingNodeId);
      try {
        const routes = this.route(o, lastHop.amountMsat);
        this.h.cm.sendPaymentAlongPaths(hexToBytes(o.record.paymentId), routes.map(toPath));
        o.record.attempts += routes.length;
        o.inFlight += routes.length;
        o.feesCommittedMsat += routes.reduce((a, r) => a + r.totalFeeMsat, 0n);
      } catch (err) {
        willRetry = false;
        this.setFailure(o, `no other route after ${failure ?? 'a failure'}: ${(err as Error).message}`, codeOf(err));
      }
    }
    this.h.emit({
      type: 'PaymentAttemptFailed', paymentId: o.record.paymentId, paymentHash: o.record.paymentHash, permanent: e.paymentFailedPermanently, willRetry,
      ...(e.shortChannelId !== undefined ? { shortChannelId: scidText(e.shortChannelId) } : {}), ...(failure ? { failure } : {}),
      path: e.path.hops.map((h) => scidText(h.shortChannelId)),
    });
    if (!willRetry && !o.abandoned) {
      o.abandoned = true;
      this.h.cm.abandonPayment(hexToBytes(o.record.paymentId));
    }
    this.save(o.record);
    this.h.kick();
  }

  /** The first reason a payment cannot go on is the one reported. */
  private setFailure(o: Outbound, reason: string, code: PaymentFailureCode): void {
    if (o.record.failureCode) return;
    o.record.failureReason = reason;
    o.record.failureCode = code;
  }

  private giveUp(o: Outbound, why: string, code: PaymentFailureCode): void {
    if (o.abandoned || o.record.status !== 'pending') return;
    o.abandoned = true;
    this.setFailure(o, why, code);
    // Not sent yet (its record is being written): `start` sees `abandoned` and sends nothing.
    if (o.inFlight === 0) return;
    this.h.cm.abandonPayment(hexToBytes(o.record.paymentId));
    this.h.kick();
  }

  private finish(o: Outbound, status: 'succeeded' | 'failed', extra: { failureReason?: string; failureCode?: PaymentFailureCode }): void {
    clearTimeout(o.timer);
    this.outbound.delete(o.record.paymentId);
    const r = o.record;
    r.status = status;
    if (status === 'succeeded') {
      delete r.failureReason;
      delete r.failureCode;
    } else {
      if (extra.failureReason && !r.failureCode) r.failureReason = extra.failureReason;
      r.failureCode ??= extra.failureCode ?? 'failed';
    }
    this.save(r);
    const result: PaymentResult = {
      paymentId: r.paymentId, paymentHash: r.paymentHash, status, amountMsat: r.amountMsat, feeMsat: r.feeMsat, attempts: r.attempts, parts: r.parts, pathHops: r.pathHops ?? [], pathScids: r.pathScids ?? [],
      ...(r.preimage ? { preimage: r.preimage } : {}), ...(r.failureReason ? { failureReason: r.failureReason } : {}), ...(r.failureCode ? { failureCode: r.failureCode } : {}),
    };
    if (status === 'succeeded') {
      this.h.emit({ type: 'PaymentSent', paymentId: r.paymentId, paymentHash: r.paymentHash, preimage: r.preimage!, amountMsat: r.amountMsat, feeMsat: r.feeMsat, attempts: r.attempts, parts: r.parts });
    } else {
      this.h.emit({ type: 'PaymentFailed', paymentId: r.paymentId, paymentHash: r.paymentHash, reason: r.failureReason ?? 'failed', attempts: r.attempts });
    }
    o.resolve(result);
  }

  /** Stops retrying everything (at stop); the records stay pending until the channel layer resolves them. */
  stop(): void {
    for (const o of this.outbound.values()) clearTimeout(o.timer);
  }

  /** A path as the scorer sees it: direction bits from the node ids, capacities from the graph (or our channel). */
  private scored(path: PaymentPath): ScoredHop[] {
    let from = this.h.keys.getNodeId();
    return path.hops.map((hop) => {
      const direction: 0 | 1 = compareBytes(from, hop.nodeId) < 0 ? 0 : 1;
      const cap = this.h.graph.channel(hop.shortChannelId)?.capacitySat;
      const own = this.h.cm.listChannels().find((c) => c.shortChannelId === hop.shortChannelId)?.channelValueSat;
      from = hop.nodeId;
      return { shortChannelId: hop.shortChannelId, direction, amountMsat: hop.amountMsat, capacityMsat: ((cap ?? own ?? 0n) * 1000n) || hop.amountMsat };
    });
  }
}

/** The policy's fee cap for a payment of `amountMsat`: `maxFeeBaseMsat + amountMsat × maxFeePpm / 10^6`. */
export function feeCapMsat(policy: PaymentPolicy, amountMsat: bigint): bigint {
  return policy.maxFeeBaseMsat + (amountMsat * BigInt(policy.maxFeePpm)) / 1_000_000n;
}

function codeOf(e: unknown): PaymentFailureCode {
  const c = e instanceof NodeError ? e.code : '';
  return c === 'no_route' || c === 'fee_too_high' ? c : 'failed';
}

function toPath(r: Route): PaymentPath {
  return { hops: r.hops.map((h) => ({ nodeId: h.nodeId, shortChannelId: h.shortChannelId, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry })) };
}

function scidText(s: bigint): string {
  return `${s >> 40n}x${(s >> 16n) & 0xffffffn}x${s & 0xffffn}`;
}
