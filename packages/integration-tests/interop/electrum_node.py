#!/usr/bin/python3
"""An Electrum Lightning wallet (Debian python3-electrum), driven over JSON lines, for interop tests.

Everything of Electrum runs for real: `Network` and `Interface` connect to an Electrum-protocol
server (the test's, serving its in-memory regtest chain), the wallet's `Synchronizer` and SPV
verifier follow the chain from it, and `LNWallet` (with its `LNWalletWatcher`, gossip-mode path
finder and `Peer`s) talks BOLT 2 to the node under test over TCP.

    electrum_node.py --server-port P --datadir DIR [--listen-port Q]

Commands, one JSON object a line on stdin: {"id": N, "cmd": NAME, ...args}. Every answer is one
line on stdout: {"id": N, "ok": true, "result": ...} or {"id": N, "ok": false, "error": "..."}.
Unsolicited lines carry "event" (e.g. {"event": "ready", ...}). Electrum's own log goes to
stderr. Commands:

    info                      node id, listening port, a receiving address, local height, balance
    sync height               wait until headers reach `height` and the wallet is up to date
    connect node_id host port dial a Lightning peer, wait for init both ways
    open_channel node_id host port amount_sat [push_sat]   fund a channel (Electrum as funder)
    channels                  every channel: id, point, scid, state, balances (msat), ctns
    wait_channel channel_id state [timeout]                  wait until the channel reaches a state
    wait_new_channel node_id state [timeout]                 wait for a channel the peer opened
    add_invoice amount_sat memo [expiry]                     a BOLT 11 invoice (Lightning request)
    invoice_status payment_hash                              PR_* status name of a request
    wait_paid payment_hash [timeout]                         wait until a request is paid
    pay invoice [timeout]     pay a BOLT 11 invoice; success, preimage, log, attempts (route, sender_idx)
    graph                     the gossip channel_db: channels, policies, node features (path finding input)
    close channel_id          cooperative close; the closing txid
    force_close channel_id    broadcast our commitment; its txid
    tx txid                   a wallet transaction (hex), its mined status, outputs (is_mine)
    stop
"""
import argparse
import asyncio
import json
import os
import sys
import threading
import time
import traceback

# Never import from the current directory (Electrum's package has a logging.py).
sys.path = [p for p in sys.path if p not in ('', os.getcwd())]

from electrum import constants, util  # noqa: E402
from electrum.invoices import PR_PAID, Invoice, pr_tooltips  # noqa: E402
from electrum.lnchannel import ChannelState  # noqa: E402
from electrum.lnutil import LOCAL, REMOTE, format_short_channel_id  # noqa: E402
from electrum.logging import configure_logging  # noqa: E402
from electrum.network import Network  # noqa: E402
from electrum.simple_config import SimpleConfig  # noqa: E402
from electrum.wallet import create_new_wallet  # noqa: E402

_out_lock = threading.Lock()


def out(**kw):
    with _out_lock:
        sys.stdout.write(json.dumps(kw) + "\n")
        sys.stdout.flush()


class Harness:
    def __init__(self, args):
        self.args = args
        constants.set_regtest()
        os.makedirs(args.datadir, exist_ok=True)
        cfg = {
            'electrum_path': args.datadir,
            'regtest': True,
            'server': f'127.0.0.1:{args.server_port}:t',
            'oneserver': True,
            'auto_connect': False,
            # Gossip mode: Electrum routes itself (trampoline mode opens channels only to trampoline nodes).
            'use_gossip': True,
            # Recoverable channels make Electrum refuse incoming channels (lnpeer.on_open_channel).
            'use_recoverable_channels': False,
            # The to_self_delay Electrum asks of us (default 1008 blocks): shorter, to sweep in a test.
            'lightning_to_self_delay': 144,
            'verbosity': '*' if args.verbose else '',
            'log_to_file': False,
        }
        if args.listen_port is not None:
            cfg['lightning_listen'] = f'127.0.0.1:{args.listen_port}'
        self.config = SimpleConfig(cfg)
        configure_logging(self.config)
        self.loop, self.stop_loop, self.loop_thread = util.create_and_start_event_loop()
        self.network = Network(self.config)
        self.network.start()
        self.network.start_gossip()
        path = os.path.join(self.config.path, 'wallets', 'w')
        os.makedirs(os.path.dirname(path), exist_ok=True)
        d = create_new_wallet(path=path, config=self.config, seed_type='segwit', encrypt_file=False)
        self.wallet = d['wallet']
        assert self.wallet.has_lightning(), 'the wallet has no Lightning worker'
        self.wallet.start_network(self.network)
        self.ln = self.wallet.lnworker

    # ------------------------------------------------------------------ helpers

    def chan_info(self, chan):
        return {
            'channel_id': chan.channel_id.hex(),
            'channel_point': chan.funding_outpoint.to_str() if chan.funding_outpoint else None,
            'short_channel_id': format_short_channel_id(chan.short_channel_id) if chan.short_channel_id else None,
            'state': chan.get_state().name,
            'peer_state': chan.peer_state.name,
            'remote_pubkey': chan.node_id.hex(),
            'is_initiator': bool(chan.constraints.is_initiator),
            'capacity_sat': chan.constraints.capacity,
            'local_msat': chan.balance(LOCAL),
            'remote_msat': chan.balance(REMOTE),
            'can_send_msat': chan.available_to_spend(LOCAL) if chan.get_state() == ChannelState.OPEN else 0,
            'remote_max_htlc_value_in_flight_msat': chan.config[REMOTE].max_htlc_value_in_flight_msat,
            'local_ctn': chan.get_latest_ctn(LOCAL),
            'remote_ctn': chan.get_latest_ctn(REMOTE),
            'feerate_local': chan.get_latest_feerate(LOCAL),
            'closing_txid': (chan.get_closing_height() or (None,))[0],
        }

    def listen_port(self):
        s = self.ln.listen_server
        return s.sockets[0].getsockname()[1] if s and s.sockets else None

    def balance(self):
        c, u, x = self.wallet.get_balance()[:3]
        return {'confirmed': int(c), 'unconfirmed': int(u), 'unmatured': int(x)}

    async def wait_for(self, pred, timeout, what):
        end = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > end:
                raise TimeoutError(f'timed out after {timeout}s waiting for {what}')
            await asyncio.sleep(0.05)

    def find_chan(self, channel_id):
        chan = self.ln.get_channel_by_id(bytes.fromhex(channel_id))
        if not chan:
            raise KeyError(f'no channel {channel_id}')
        return chan

    # ------------------------------------------------------------------ commands

    async def cmd_info(self):
        return {
            'node_id': self.ln.node_keypair.pubkey.hex(),
            'listen_port': self.listen_port(),
            'address': self.wallet.get_receiving_address(),
            'height': self.network.get_local_height(),
            'balance': self.balance(),
            'features': hex(int(self.ln.features)),
            'genesis': constants.net.GENESIS,
        }

    async def cmd_sync(self, height, txids=(), timeout=30):
        """Headers at `height`, each of `txids` (mined) SPV-verified in the wallet, and the wallet up to date."""
        def done():
            return (self.network.get_local_height() >= height and self.wallet.is_up_to_date()
                    and not self.wallet.adb.get_unverified_txs()
                    and all(self.wallet.adb.get_tx_height(t).conf >= 1 for t in txids))
        await self.wait_for(done, timeout, f'headers at {height}, txs {list(txids)} and wallet synchronized '
                                           f'(now {self.network.get_local_height()})')
        return {'height': self.network.get_local_height(), 'balance': self.balance()}

    async def cmd_connect(self, node_id, host, port):
        peer = await self.ln.add_peer(f'{node_id}@{host}:{port}')
        await asyncio.wait_for(peer.initialized, 20)
        return {'their_features': hex(int(peer.their_features)), 'negotiated': hex(int(peer.features))}

    async def cmd_open_channel(self, node_id, host, port, amount_sat, push_sat=0):
        coins = self.wallet.get_spendable_coins(None)
        funding_tx = self.ln.mktx_for_open_channel(coins=coins, funding_sat=amount_sat,
                                                   node_id=bytes.fromhex(node_id), fee_est=None)
        chan, funding_tx = await self.ln._open_channel_coroutine(
            connect_str=f'{node_id}@{host}:{port}', funding_tx=funding_tx,
            funding_sat=amount_sat, push_sat=push_sat, password=None)
        return {**self.chan_info(chan), 'funding_txid': funding_tx.txid(), 'funding_tx': funding_tx.serialize()}

    async def cmd_channels(self):
        return [self.chan_info(c) for c in self.ln.channels.values()]

    async def cmd_wait_channel(self, channel_id, state, peer_state=None, timeout=30):
        """Waits until the channel is in `state` or later (and its peer in `peer_state`, e.g. GOOD once reestablished)."""
        want = ChannelState[state]
        chan = self.find_chan(channel_id)
        await self.wait_for(lambda: chan.get_state() >= want and (peer_state is None or chan.peer_state.name == peer_state),
                            timeout, f'channel {channel_id} to reach {state}/{peer_state} '
                                     f'(it is {chan.get_state().name}/{chan.peer_state.name})')
        return self.chan_info(chan)

    async def cmd_wait_new_channel(self, node_id, state, timeout=30):
        want = ChannelState[state]
        nid = bytes.fromhex(node_id)

        def find():
            for c in self.ln.channels.values():
                if c.node_id == nid and not c.constraints.is_initiator and c.get_state() >= want:
                    return c
        chan = await self.wait_for(find, timeout, f'a channel opened by {node_id} in state {state}')
        return self.chan_info(chan)

    async def cmd_add_invoice(self, amount_sat, memo, expiry=3600):
        key = self.wallet.create_request(amount_sat, memo, expiry, None)
        req = self.wallet.get_request(key)
        return {'invoice': req.lightning_invoice, 'payment_hash': req.rhash}

    def request_status(self, payment_hash):
        req = self.wallet.get_request(payment_hash)
        return self.wallet.get_invoice_status(req)

    async def cmd_invoice_status(self, payment_hash):
        return pr_tooltips[self.request_status(payment_hash)]

    async def cmd_wait_paid(self, payment_hash, timeout=30):
        await self.wait_for(lambda: self.request_status(payment_hash) == PR_PAID, timeout,
                            f'request {payment_hash} to be paid')
        info = self.ln.get_payment_info(bytes.fromhex(payment_hash))
        return {'status': 'Paid', 'amount_msat': info.amount_msat if info else None}

    async def cmd_pay(self, invoice, timeout=60):
        lnaddr = self.ln._check_invoice(invoice)
        # As Electrum's `lnpay` command: the invoice is saved to the wallet, then paid.
        self.wallet.save_invoice(Invoice.from_bech32(invoice))
        success, log = await asyncio.wait_for(self.ln.pay_invoice(invoice), timeout)
        preimage = self.ln.get_preimage(lnaddr.paymenthash)
        return {
            'success': success,
            'payment_hash': lnaddr.paymenthash.hex(),
            'preimage': preimage.hex() if preimage else None,
            'log': [[str(x) for x in entry.formatted_tuple()] for entry in log],
            # Each HTLC attempt in full: the route Electrum's path finder built and, for a failure,
            # the index of the node that sent the error (decoded from the return onion) and its code.
            'attempts': [{
                'success': entry.success,
                'amount_msat': entry.amount_msat,
                'sender_idx': entry.sender_idx,
                'failure': entry.failure_msg.code_name() if entry.failure_msg else None,
                'route': [{'start': e.start_node.hex(), 'end': e.end_node.hex(), 'scid': str(e.short_channel_id),
                           'fee_base_msat': e.fee_base_msat, 'fee_proportional_millionths': e.fee_proportional_millionths,
                           'cltv_expiry_delta': e.cltv_expiry_delta, 'tlv': e.has_feature_varonion()}
                          for e in (entry.route or [])],
            } for entry in log],
        }

    async def cmd_graph(self):
        """What gossip put in Electrum's channel_db (its path finder's graph)."""
        db = self.network.channel_db
        await db.data_loaded.wait()
        chans = []
        for scid in db.get_channel_ids():
            ci = db.get_channel_info(scid)
            pols = {}
            for node in (ci.node1_id, ci.node2_id):
                pol = db.get_policy_for_node(scid, node)
                if pol:
                    pols[node.hex()] = {'fee_base_msat': pol.fee_base_msat, 'fee_proportional_millionths': pol.fee_proportional_millionths,
                                        'cltv_expiry_delta': pol.cltv_expiry_delta, 'htlc_maximum_msat': pol.htlc_maximum_msat,
                                        'disabled': bool(pol.is_disabled())}
            chans.append({'scid': str(scid), 'node1': ci.node1_id.hex(), 'node2': ci.node2_id.hex(), 'policies': pols})
        nodes = {nid.hex(): {'features': hex(int(ni.features)), 'alias': ni.alias} for nid, ni in db._nodes.items()}
        return {'channels': chans, 'nodes': nodes}

    async def cmd_close(self, channel_id):
        txid = await self.ln.close_channel(bytes.fromhex(channel_id))
        return {'closing_txid': txid}

    async def cmd_force_close(self, channel_id):
        txid = await self.ln.force_close_channel(bytes.fromhex(channel_id))
        return {'commitment_txid': txid}

    async def cmd_tx(self, txid):
        tx = self.wallet.db.get_transaction(txid)
        mined = self.wallet.adb.get_tx_height(txid)
        outputs = [{'address': o.address, 'value': o.value, 'is_mine': bool(o.address and self.wallet.is_mine(o.address))}
                   for o in tx.outputs()] if tx else []
        return {'tx': tx.serialize() if tx else None, 'height': mined.height, 'conf': mined.conf, 'outputs': outputs}

    # ------------------------------------------------------------------ loop

    async def handle(self, req):
        rid = req.get('id')
        try:
            name = req.pop('cmd')
            req.pop('id', None)
            fn = getattr(self, 'cmd_' + name)
            res = await fn(**req)
            out(id=rid, ok=True, result=res)
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            out(id=rid, ok=False, error=f'{type(e).__name__}: {e}')

    def run(self):
        # Wait until the listener (if any) is up before announcing ourselves.
        if self.args.listen_port is not None:
            end = time.monotonic() + 20
            while self.listen_port() is None and time.monotonic() < end:
                time.sleep(0.05)
        out(event='ready', node_id=self.ln.node_keypair.pubkey.hex(), listen_port=self.listen_port(),
            address=self.wallet.get_receiving_address(), electrum=util.version.ELECTRUM_VERSION
            if hasattr(util, 'version') else None)
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
            except ValueError:
                out(event='bad_line', line=line)
                continue
            if req.get('cmd') == 'stop':
                out(id=req.get('id'), ok=True, result=None)
                break
            asyncio.run_coroutine_threadsafe(self.handle(req), self.loop)
        self.shutdown()

    def shutdown(self):
        async def stop():
            await self.wallet.stop()
            await self.network.stop()
        try:
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        except Exception as e:
            print(f'shutdown: {e!r}', file=sys.stderr)
        self.loop.call_soon_threadsafe(self.stop_loop.set_result, 1)
        self.loop_thread.join(timeout=5)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--server-port', type=int, required=True)
    p.add_argument('--datadir', required=True)
    p.add_argument('--listen-port', type=int)
    p.add_argument('--verbose', action='store_true')
    args = p.parse_args()
    h = Harness(args)
    h.run()


if __name__ == '__main__':
    main()
