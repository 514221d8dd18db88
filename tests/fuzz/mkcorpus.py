#!/usr/bin/env python3
"""Writes the seed corpora tests/fuzz/corpus/<target>/ from the captured
vectors in tests/vectors/ (the committed seeds are this script's output;
rerun it after the vectors or an input format in tests/fuzz/*.c change).

Each target's input format is described at the top of its .c file; the
seeds put the captured packets and messages into those formats, so the
fuzzer starts from inputs that authenticate and parse.

    tests/fuzz/mkcorpus.py            # from the top of the tree
"""
import os
import re
import shutil
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VEC = os.path.join(TOP, "tests", "vectors")
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")


def vec_text(rel):
    with open(os.path.join(VEC, rel), encoding="ascii") as f:
        return f.read()


def vec_hex(rel):
    return bytes.fromhex("".join(vec_text(rel).split()))


def expected_field(rel, frame, label):
    """The hex after `label :` in the `=== frame N` block of an expected
    file (a truncated value, ending in ..., is cut there)."""
    text = vec_text(rel)
    block = re.split(r"^=== ", text, flags=re.M)
    for b in block:
        if b.startswith("frame %d " % frame):
            m = re.search(re.escape(label) + r"[^:]*:\s*([0-9a-f]+)", b)
            if m:
                return bytes.fromhex(m.group(1)[: len(m.group(1)) // 2 * 2])
    raise SystemExit("%s: frame %d has no %r" % (rel, frame, label))


seeds = {}


def seed(target, name, data):
    seeds.setdefault(target, []).append((name, bytes(data)))


def tlsauth_clear(pkt, hlen):
    """op|kid, session-id, pid, time, body of a tls-auth packet."""
    return pkt[:9] + pkt[9 + hlen : 9 + hlen + 8] + pkt[9 + hlen + 8 :]


# --- fuzz_classify: raw packets (flags 0/4), cleartext to wrap (1/3/5) ---
TA = "udp-tls-auth-sha256/"
for f in ("01_hard_reset_client_v2", "03_control_v1_client_hello",
          "06_ack_v1_client", "16_ack_v1_client_8acks_max"):
    pkt = vec_hex(TA + f + ".hex")
    seed("fuzz_classify", "raw-" + f, b"\x00" + pkt)
    seed("fuzz_classify", "wrap-" + f, b"\x01" + tlsauth_clear(pkt, 32))
    if f != "01_hard_reset_client_v2":
        seed("fuzz_classify", "echo-" + f, b"\x03" + tlsauth_clear(pkt, 32))
sha1 = vec_hex("udp-tls-auth-sha1-default/01_hard_reset_client_v2.hex")
seed("fuzz_classify", "raw-sha1-01_hard_reset_client_v2", b"\x04" + sha1)
seed("fuzz_classify", "wrap-sha1-01_hard_reset_client_v2",
     b"\x05" + tlsauth_clear(sha1, 20))

# --- fuzz_tlscrypt: raw (0), cleartext to wrap (1), wrap and flip (3) -----
TC = "udp-tls-crypt/expected.txt"
for frame, f in ((1, "01_p_control_hard_reset_client_v2"),
                 (3, "03_p_control_v1")):
    pkt = vec_hex("udp-tls-crypt/" + f + ".hex")
    clear = expected_field(TC, frame, "header") + \
        expected_field(TC, frame, "decrypted plaintext")
    seed("fuzz_tlscrypt", "raw-" + f, b"\x00" + pkt)
    seed("fuzz_tlscrypt", "wrap-" + f, b"\x01" + clear)
    seed("fuzz_tlscrypt", "flip-" + f, b"\x03\x01\x23" + clear)

# --- fuzz_tlscryptv2: raw (0), WKc (1), build (2), build+flip (6), TLV (3) -
V2 = "udp-tls-crypt-v2/"
v3 = vec_hex(V2 + "01_p_control_hard_reset_client_v3.hex")
wkc_v1 = vec_hex(V2 + "03_p_control_wkc_v1.hex")
wkc = v3[-299:]
seed("fuzz_tlscryptv2", "raw-01_v3", b"\x00" + v3)
seed("fuzz_tlscryptv2", "raw-03_wkc_v1", b"\x00" + wkc_v1)
seed("fuzz_tlscryptv2", "wkc-client-key", b"\x01" + wkc)
seed("fuzz_tlscryptv2", "wkc-packet", b"\x01" + v3)
meta = bytes.fromhex("000000006b078899")
hdr_v3 = v3[:17]
seed("fuzz_tlscryptv2", "build-v3-timestamp",
     b"\x02\x01" + struct.pack(">H", len(meta)) + meta + hdr_v3 +
     bytes.fromhex("0000000000"))
seed("fuzz_tlscryptv2", "build-wkc_v1-user",
     b"\x02\x00\x00\x05alice" + wkc_v1[:17] +
     bytes.fromhex("0100000000") + bytes.fromhex("4076b295b9777fa0") +
     bytes.fromhex("00000001") + b"\x16\x03\x01\x01\x10")
seed("fuzz_tlscryptv2", "build-flip-v3",
     b"\x06\x02\x00\x01\x00\x00" + hdr_v3 + bytes.fromhex("0000000000"))
seed("fuzz_tlscryptv2", "tlv-early-neg", b"\x03" + bytes.fromhex("000100020001"))
seed("fuzz_tlscryptv2", "tlv-two", b"\x03" +
     bytes.fromhex("0f000001") + bytes.fromhex("000100020001"))

# --- fuzz_reliable: event sequences (see fuzz_reliable.c) ------------------
RX, POP, QUEUE, DUE, ACK, TAKE = range(6)


def rx(off, payload):
    return bytes([RX, off & 0xff, len(payload)]) + payload


def queue(payload):
    return bytes([QUEUE, len(payload)]) + payload


def ack(*offs):
    return bytes([ACK, len(offs)]) + bytes(offs)


def due(ms):
    return bytes([DUE]) + struct.pack(">H", ms)


# The capture's key_id 0 exchange as the server saw it: the cookie stood
# for our message 0, the client's messages 1..4 carry its TLS flight.
hello = b"\x16\x03\x01\x01\x10"
flow = (bytes([1, 1]) + rx(0, hello) + bytes([TAKE, 4]) + bytes([POP]) +
        queue(b"server hello") + queue(b"certificate") + due(0) +
        ack(6, 7) + rx(0, b"finished") + rx(1, b"km2") + rx(2, b"x") +
        bytes([POP, POP, POP, TAKE, 8]) + due(1000) + due(4000) +
        queue(b"km2 reply") + due(0) + ack(8) + bytes([TAKE, 8]))
seed("fuzz_reliable", "capture-flow", flow)
# Loss and reordering: 3 before 1 and 2, duplicates, an old id, a gap.
seed("fuzz_reliable", "reorder",
     bytes([0, 0]) + rx(2, b"c") + rx(1, b"b") + rx(0, b"a") + rx(1, b"B") +
     bytes([POP, POP]) + rx(0xff, b"old") + rx(11, b"edge") +
     rx(12, b"beyond") + bytes([POP, POP, POP, TAKE, 2, TAKE, 9]))
# Our window: six queued, the seventh refused, ACKs out of order, backoff.
seed("fuzz_reliable", "send-window",
     bytes([0, 0]) + b"".join(queue(bytes([i])) for i in range(7)) +
     due(0) + due(1000) + due(3000) + due(7000) + ack(8, 6, 8) +
     queue(b"z") + due(0) + ack(7, 9, 10, 11, 12, 13) + due(60000))
seed("fuzz_reliable", "oversized",
     bytes([1, 0]) + bytes([RX | 0x40, 0, 200]) + b"\x00" * 3200 +
     bytes([RX | 0x80]) + struct.pack(">I", 0xffffffff) + b"\x01z" +
     bytes([POP]))

# --- fuzz_km2: the captured key-method-2 messages and peer-info -----------
for f in ("key-method-2-client-keyid0", "key-method-2-server-keyid0",
          "key-method-2-client-keyid1"):
    seed("fuzz_km2", f, vec_hex(TA + f + ".hex"))
km2c = vec_hex(TA + "key-method-2-client-keyid0.hex")
# Its peer-info is the last string: u16 length, text, NUL.
pi_start = km2c.find(b"IV_VER=")
if pi_start > 0:
    seed("fuzz_km2", "peer-info-text", km2c[pi_start:].rstrip(b"\x00"))
seed("fuzz_km2", "peer-info-crlf",
     b"IV_VER=2.6.14\r\nIV_PROTO=990\r\nIV_NCP=2\r\nIV_MTU=1600\r\n"
     b"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\r\n"
     b"IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\nIV_TCPNL=1\n"
     b"IV_GUI_VER=fuzz 1.0\nIV_PLAT=linux\n")

# --- fuzz_ctlmsg: control messages, and option lists ----------------------
pr = vec_text(TA + "push-reply.txt").splitlines()[-1]
pr = pr.replace("\\0", "\x00").encode()
seed("fuzz_ctlmsg", "push-reply", pr)
seed("fuzz_ctlmsg", "commands",
     b"PUSH_REQUEST\x00EXIT\x00\x00AUTH_FAILED,bad\r\n\x00RESTART\x00tail")
seed("fuzz_ctlmsg", "options",
     "\n".join(pr.rstrip(b"\x00").decode().split(",")[1:]).encode())
seed("fuzz_ctlmsg", "options-long",
     b"\n".join(b"route 10.%d.0.0 255.255.0.0" % i for i in range(60)))
seed("fuzz_ctlmsg", "small-cap", b"\x7f\x05cmd\x00longer command\x00ok\x00")

# --- fuzz_statickey: the vectors' key files -------------------------------
for rel in ("udp-tls-auth-sha256/ta.key", "udp-tls-crypt/tc.key",
            "udp-tls-crypt-v2/tcv2-server.key",
            "udp-tls-crypt-v2/tcv2-client.key"):
    seed("fuzz_statickey", os.path.basename(rel),
         vec_text(rel).encode())

# --- fuzz_cfg: the example and e2e configs, and one with inline blocks ----
for rel, name in (("etc/mycrypnetd.conf", "example"),
                  ("tests/e2e/server.conf", "e2e")):
    with open(os.path.join(TOP, rel), "rb") as f:
        seed("fuzz_cfg", name, f.read())
ta_key = vec_text("udp-tls-auth-sha256/ta.key")
# Whole configurations that parse (fuzz_cfg resolves file names under a
# directory that does not exist, so everything is inline), one per kind of
# control-channel protection, with the optional directives set.
PKI = ("<ca>\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
       "</ca>\n<cert>\n-----BEGIN CERTIFICATE-----\nMIIB\n"
       "-----END CERTIFICATE-----\n</cert>\n<key>\n"
       "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
       "</key>\n")
seed("fuzz_cfg", "inline", (
    "dev tun0\nproto udp4\nlocal 10.99.1.1\nport 1194\n" + PKI +
    "dh none\n<tls-auth>\n" + ta_key + "</tls-auth>\nkey-direction 0\n"
    "auth SHA512\ntopology subnet\nserver 10.99.8.0 255.255.255.0\n"
    "push \"route 10.1.0.0 255.255.0.0\"\npush 'dhcp-option DNS 10.99.8.1'\n"
    "keepalive 10 60\ndata-ciphers AES-128-GCM\ntun-mtu 1400\n"
    "hand-window 30\nreneg-sec 0\nverb 4\npersist-key\npersist-tun\n"
    "exit-interface eth0\nworkers 2\n").encode())
for tag, rel, extra in (
        ("tls-crypt", "udp-tls-crypt/tc.key", ""),
        ("tls-crypt-v2", "udp-tls-crypt-v2/tcv2-server.key", "")):
    seed("fuzz_cfg", "inline-" + tag, (
        "dev tun\n" + PKI + "dh none\n<%s>\n%s</%s>\n%s"
        "server 10.99.8.0 255.255.255.0\ntopology subnet\n"
        "server-ipv6 fd00:99:8::/64\nmax-clients 10\nduplicate-cn\n"
        "client-to-client\nexplicit-exit-notify 1\ntls-version-min 1.3\n"
        "tls-cipher ECDHE-ECDSA-AES256-GCM-SHA384\n"
        "tls-ciphersuites TLS_AES_256_GCM_SHA384\ncrl-expired reject\n"
        "data-ciphers AES-256-GCM:CHACHA20-POLY1305\n"
        "data-ciphers-fallback AES-256-CBC\nreneg-bytes 1000000\n"
        "reneg-pkts 5000\ntran-window 30\nlisten udp6 1194\n"
        "listen tcp 10.99.1.1 1194\ncontrol-socket /run/mcn-fuzz/control.sock\n"
        "metrics-listen 127.0.0.1:9100\nworkers auto\nexit-interface eth0\n"
        % (tag, vec_text(rel), tag, extra)).encode())
seed("fuzz_cfg", "errors",
     b"dev tap0\nproto tcp\nport 0\n\"unterminated\ncomp-lzo\n<ca>\nno end\n")

# --- fuzz_datachan: captured packets (0/3), plaintext (1), flip (2) -------
dc = vec_text(TA + "expected-data-channel.txt")
n = 0
for m in re.finditer(r"frame (\d+) C->S key_id=0 .*\n\s*packet\s*:\s*([0-9a-f]+)"
                     r"\n\s*plaintext\s*:\s*([0-9a-f]+)", dc):
    pkt, plain = bytes.fromhex(m.group(2)), bytes.fromhex(m.group(3))
    seed("fuzz_datachan", "gcm-raw-frame" + m.group(1), b"\x00" + pkt)
    if n < 2:
        seed("fuzz_datachan", "gcm-round-frame" + m.group(1),
             b"\x04" + b"\x00\x00\x00\x00" + pkt[4:8] + plain)
        seed("fuzz_datachan", "chacha-flip-frame" + m.group(1),
             b"\x0a\x00\x45" + b"\x00\xff\xff\xff" + pkt[4:8] + plain)
    n += 1
cbc = vec_text("udp-aes-256-cbc-sha256-comp-lzo-no/expected.txt")
for m in re.finditer(r"frame (\d+) C->S: packet ([0-9a-f]+)\n.*decrypted "
                     r"\(incl\. padding\): ([0-9a-f]+)", cbc):
    pkt, dec = bytes.fromhex(m.group(2)), bytes.fromhex(m.group(3))
    seed("fuzz_datachan", "cbc-raw-frame" + m.group(1), b"\x03" + pkt)
    pad = dec[-1]
    seed("fuzz_datachan", "cbc-round-frame" + m.group(1),
         b"\x07\x00\x00\x00\x00" + dec[:4] + dec[4:-pad])
    seed("fuzz_datachan", "cbc-forge-frame" + m.group(1),
         b"\x0f\x01" + pkt[4 + 32:])
    break
seed("fuzz_datachan", "aes128-round-ping",
     b"\x05\x01\x00\x00\x07\x00\x00\x00\x09" +
     bytes.fromhex("2a187bf3641eb4cb07ed2d0a981fc748"))

# --- fuzz_control: control-socket request lines ---------------------------
for name, line in (
        ("status", b'{"command":"status"}'),
        ("kick", b'{"schema":1,"id":7,"command":"kick","target":"1client",'
                 b'"halt":true}'),
        ("kick-unknown", b'{"command":"kick","target":"10.99.8.2"}'),
        ("kick-failed", b'{"command":"kick","target":"x","halt":false}'),
        ("reload", b'{"command":"reload","id":"r1"}'),
        ("stats", b'{"command":"stats","id":null}'),
        ("version", b'  {"command":"version","schema":2}'),
        ("bad-arg", b'{"command":"status","verbose":1}'),
        ("dup-key", b'{"command":"status","command":"stats"}'),
        ("not-object", b'["command","status"]'),
        ("utf8", b'{"command":"status","id":"\xc3\xa9"}'),
        ("not-utf8", b'{"command":"status"}\xc3\xff\x80'),
        ("blank", b" \t ")):
    seed("fuzz_control", name, line)

if os.path.isdir(OUT):
    shutil.rmtree(OUT)
for target, items in sorted(seeds.items()):
    d = os.path.join(OUT, target)
    os.makedirs(d)
    for name, data in items:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%-16s %2d seeds, %6d bytes" % (target, len(items),
          sum(len(x) for _, x in items)), file=sys.stderr)
