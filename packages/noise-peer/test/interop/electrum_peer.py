#!/usr/bin/python3
"""A small Lightning peer built from Electrum's own BOLT 8 and wire code, for interop tests.

It uses Electrum's transport classes (electrum/lntransport.py: LNTransport as initiator,
LNResponderTransport as responder), LNPeerAddr, Electrum's wallet feature set and
init checks (lnutil.ln_compare_features, validate_transitive_dependencies, chain check as in
lnpeer.Peer.on_init) and its message codec (lnmsg.encode_msg / decode_msg, which raises
UnknownOptionalMsgType for unknown odd types: ignored, as lnpeer.Peer.process_message does).

    electrum_peer.py listen  --privkey HEX [scenario options]
    electrum_peer.py connect --host H --port P --remote-pubkey HEX --privkey HEX [scenario options]

Scenario: handshake; send init; check the peer's init; send one unknown odd message
(--unknown-odd TYPE, 0 for none); send --pings pings (num_pong_bytes = i % 64) and check
every pong's length, in order; answer every ping; finish once --expect-pings pings were
answered and --expect-unknown unknown odd messages ignored. Every step is one JSON line on
stdout. Exit 0 done; 3 handshake failed; 4 init refused; 1 other error or timeout.
"""
import argparse
import asyncio
import json
import os
import sys

# Never import from the current directory (Electrum's package has a logging.py).
sys.path = [p for p in sys.path if p not in ('', os.getcwd())]

from electrum import constants  # noqa: E402
from electrum.ecc import ECPrivkey  # noqa: E402
from electrum.lnmsg import (decode_msg, encode_msg, UnknownMandatoryMsgType,  # noqa: E402
                            UnknownOptionalMsgType)
from electrum.lntransport import LNResponderTransport, LNTransport  # noqa: E402
from electrum.lnutil import LNPeerAddr, LnFeatures, ln_compare_features  # noqa: E402
from electrum.lnworker import LNWALLET_FEATURES  # noqa: E402


def out(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


class Scenario:
    def __init__(self, transport, args):
        self.t = transport
        self.args = args
        self.expected_pongs = []
        self.pongs_ok = 0
        self.pings_answered = 0
        self.unknown_ignored = 0
        self.sent = 0
        self.received = 0
        self.init_ok = asyncio.Event()
        self.finished = asyncio.Event()
        self.failure = None

    def send(self, raw: bytes):
        self.t.send_bytes(raw)
        self.sent += 1

    def check_done(self):
        a = self.args
        if (self.init_ok.is_set() and len(self.expected_pongs) == 0 and self.pongs_ok == a.pings
                and self.pings_answered >= a.expect_pings and self.unknown_ignored >= a.expect_unknown):
            self.finished.set()

    def fail(self, reason, code=1):
        if self.failure is None:
            self.failure = (reason, code)
        self.finished.set()

    def on_init(self, payload):
        # As lnpeer.Peer.on_init.
        their = LnFeatures(int.from_bytes(payload['features'], 'big'))
        their |= int.from_bytes(payload['globalfeatures'], 'big')
        if not their.validate_transitive_dependencies():
            return self.fail('remote did not set all dependencies for the features they sent', 4)
        try:
            negotiated = ln_compare_features(LNWALLET_FEATURES, their)
        except Exception as e:
            return self.fail(f'incompatible features: {e}', 4)
        networks = payload['init_tlvs'].get('networks')
        if networks:
            chains = [networks['chains'][i:i + 32] for i in range(0, len(networks['chains']), 32)]
            if constants.net.rev_genesis_bytes() not in chains:
                return self.fail('no common chain', 4)
        out(event='init_received', features=payload['features'].hex(), negotiated=hex(int(negotiated)),
            networks=[c.hex() for c in chains] if networks else None)
        self.init_ok.set()

    def on_message(self, raw: bytes):
        self.received += 1
        try:
            name, payload = decode_msg(raw)
        except UnknownOptionalMsgType:
            self.unknown_ignored += 1
            out(event='ignored_unknown_odd', type=int.from_bytes(raw[:2], 'big'), length=len(raw))
            return self.check_done()
        except UnknownMandatoryMsgType:
            return self.fail(f'unknown even message type {int.from_bytes(raw[:2], "big")}')
        if name == 'init':
            if self.init_ok.is_set():
                return self.fail('a second init')
            self.on_init(payload)
        elif not self.init_ok.is_set():
            return self.fail(f'{name} before init')
        elif name == 'ping':
            self.send(encode_msg('pong', byteslen=payload['num_pong_bytes']))
            self.pings_answered += 1
        elif name == 'pong':
            if not self.expected_pongs:
                return self.fail('unexpected pong')
            want = self.expected_pongs.pop(0)
            if len(payload['ignored']) != want:
                return self.fail(f'pong of {len(payload["ignored"])} bytes, expected {want}')
            self.pongs_ok += 1
        else:
            out(event='other_message', type=name)
        self.check_done()

    async def reader(self):
        try:
            async for raw in self.t.read_messages():
                self.on_message(raw)
                if self.finished.is_set():
                    return
        except Exception as e:
            self.fail(f'connection lost: {type(e).__name__} {e}')

    async def run(self):
        a = self.args
        feats = LNWALLET_FEATURES.for_init_message()
        flen = (feats.bit_length() + 7) // 8
        self.send(encode_msg('init', gflen=0, flen=flen, features=feats,
                             init_tlvs={'networks': {'chains': constants.net.rev_genesis_bytes()}}))
        rtask = asyncio.create_task(self.reader())
        try:
            await asyncio.wait_for(self.init_ok.wait(), 20)
        except asyncio.TimeoutError:
            if self.failure is None:
                self.fail('no init within 20 s')
        if self.failure is None:
            if a.unknown_odd:
                self.send(a.unknown_odd.to_bytes(2, 'big') + b'electrum says hi')
            for i in range(a.pings):
                self.expected_pongs.append(i % 64)
                self.send(encode_msg('ping', num_pong_bytes=i % 64, byteslen=i % 7))
                if i % 100 == 99:
                    await self.t.writer.drain()
            await self.t.writer.drain()
            self.check_done()
            try:
                await asyncio.wait_for(self.finished.wait(), a.timeout)
            except asyncio.TimeoutError:
                self.fail(f'timed out: pongs {self.pongs_ok}/{a.pings}, pings answered '
                          f'{self.pings_answered}/{a.expect_pings}, unknown ignored {self.unknown_ignored}')
        await self.t.writer.drain()
        rtask.cancel()
        self.t.close()
        if self.failure:
            out(event='error', reason=self.failure[0])
            return self.failure[1]
        out(event='done', pongs_ok=self.pongs_ok, pings_answered=self.pings_answered,
            unknown_ignored=self.unknown_ignored, sent=self.sent, received=self.received)
        return 0


async def responder(args, privkey):
    result = asyncio.get_running_loop().create_future()

    async def on_conn(reader, writer):
        if result.done():
            writer.close()
            return
        t = LNResponderTransport(privkey, reader, writer)
        try:
            rs = await asyncio.wait_for(t.handshake(), 20)
        except Exception as e:
            out(event='handshake_failed', reason=f'{type(e).__name__}: {e}')
            writer.close()
            result.set_result(3)
            return
        out(event='handshake_ok', remote_pubkey=rs.hex())
        result.set_result(await Scenario(t, args).run())

    server = await asyncio.start_server(on_conn, '127.0.0.1', args.port)
    port = server.sockets[0].getsockname()[1]
    out(event='listening', port=port, node_id=ECPrivkey(privkey).get_public_key_bytes().hex())
    code = await result
    server.close()
    return code


async def initiator(args, privkey):
    t = LNTransport(privkey, LNPeerAddr(args.host, args.port, bytes.fromhex(args.remote_pubkey)), proxy=None)
    try:
        await asyncio.wait_for(t.handshake(), 20)
    except Exception as e:
        out(event='handshake_failed', reason=f'{type(e).__name__}: {e}')
        if getattr(t, 'writer', None):
            t.close()
        return 3
    out(event='handshake_ok', remote_pubkey=args.remote_pubkey)
    return await Scenario(t, args).run()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['listen', 'connect'])
    p.add_argument('--privkey', required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--remote-pubkey')
    p.add_argument('--pings', type=int, default=1100)
    p.add_argument('--expect-pings', type=int, default=0)
    p.add_argument('--expect-unknown', type=int, default=0)
    p.add_argument('--unknown-odd', type=int, default=32769)
    p.add_argument('--timeout', type=float, default=60)
    args = p.parse_args()
    privkey = bytes.fromhex(args.privkey)
    run = responder if args.mode == 'listen' else initiator
    try:
        code = asyncio.run(run(args, privkey))
    except Exception as e:
        out(event='error', reason=f'{type(e).__name__}: {e}')
        code = 1
    sys.exit(code)


if __name__ == '__main__':
    main()
