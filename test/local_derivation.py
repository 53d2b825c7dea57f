#!/usr/bin/env python3
"""Reference implementation of eckid's local derivation (docs/derivation.md).

Given the local derivation key (the file eckid.key_file names) and an HPgn,
print the Stampseudonym that eckid.local_stampseudonym() returns; given a
chain and a sector too, print on a second line the ECK iD that eckid.derive()
returns for that Stampseudonym.  Given an ECK iD (any eckid value) and a
recipient instead of an HPgn, print the pseudonym that
eckid.pseudonymize(eckid, recipient) returns.  Standard library only, so that
anyone can check the extension's output independently of its C code.

    local_derivation.py --key-file F --hpgn H [--chain C --sector S]
                        [--stampseudonym-segment localsp] [--eckid-segment local]
    local_derivation.py --key-file F --eckid URI --recipient R
"""

import argparse
import hashlib
import re
import struct
import sys

PREFIX = "https://ketenid.nl/"
STAMP_DOMAIN = b"eckid/v1/stampseudonym\x00"
ECKID_DOMAIN = b"eckid/v1/eckid\x00"
PSEUDONYM_DOMAIN = b"eckid/v1/pseudonymize\x00"
LOCAL_ID_MAX_BYTES = 65535
RECIPIENT_MAX_BYTES = 65535
# The text form eckid accepts (docs/type.md): scheme and host in any case,
# a lowercase segment, 128 hex digits in either case; whitespace around it.
ECKID_RE = re.compile(r"\s*(?i:https://ketenid\.nl/)([a-z0-9]{1,16})/([0-9A-Fa-f]{128})\s*")


def read_key(path):
    """The key file holds exactly 64 hex digits, optionally followed by one newline."""
    with open(path, "rb") as f:
        data = f.read()
    if data.endswith(b"\n"):
        data = data[:-1]
    if not re.fullmatch(rb"[0-9A-Fa-f]{64}", data):
        sys.exit(f"{path}: not 64 hexadecimal digits optionally followed by a newline")
    return bytes.fromhex(data.decode("ascii"))


def check_segment(segment):
    if not re.fullmatch(r"[a-z0-9]{1,16}", segment):
        sys.exit(f"invalid segment {segment!r}: 1 to 16 of [a-z0-9]")
    return segment


def stampseudonym_digest(key, hpgn):
    """BLAKE2b-512(key, "eckid/v1/stampseudonym" 0x00 || hpgn as 64 ASCII hex digits)."""
    h = hashlib.blake2b(key=key, digest_size=64)
    h.update(STAMP_DOMAIN)
    h.update(hpgn.encode("ascii"))
    return h.digest()


def eckid_digest(key, stamp_segment, stamp_digest, chain, sector):
    """BLAKE2b-512(key, "eckid/v1/eckid" 0x00 || u8 len(segment) || segment
    || stamp digest (64 bytes) || u32be len(chain) || chain || u32be len(sector) || sector)."""
    seg = stamp_segment.encode("ascii")
    h = hashlib.blake2b(key=key, digest_size=64)
    h.update(ECKID_DOMAIN)
    h.update(struct.pack(">B", len(seg)) + seg)
    h.update(stamp_digest)
    h.update(struct.pack(">I", len(chain)) + chain)
    h.update(struct.pack(">I", len(sector)) + sector)
    return h.digest()


def pseudonym(key, segment, digest, recipient):
    """BLAKE2b-256(key, "eckid/v1/pseudonymize" 0x00 || u32be len(recipient) || recipient
    || u8 len(segment) || segment || digest (64 bytes))."""
    seg = segment.encode("ascii")
    h = hashlib.blake2b(key=key, digest_size=32)
    h.update(PSEUDONYM_DOMAIN)
    h.update(struct.pack(">I", len(recipient)) + recipient)
    h.update(struct.pack(">B", len(seg)) + seg)
    h.update(digest)
    return h.digest()


def main_pseudonymize(args):
    m = ECKID_RE.fullmatch(args.eckid)
    if not m:
        sys.exit("invalid ECK iD: https://ketenid.nl/<segment>/<128 hex digits>")
    # eckid hashes the bytes of the text; PostgreSQL's are UTF-8 in a UTF8 database
    recipient = args.recipient.encode("utf-8")
    if not 1 <= len(recipient) <= RECIPIENT_MAX_BYTES:
        sys.exit(f"recipient must be 1 to {RECIPIENT_MAX_BYTES} bytes")
    key = read_key(args.key_file)
    print(pseudonym(key, m.group(1), bytes.fromhex(m.group(2)), recipient).hex())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--hpgn", help="64 lowercase hexadecimal digits")
    ap.add_argument("--eckid", help="an eckid value, https://ketenid.nl/<segment>/<128 hex>")
    ap.add_argument("--recipient", help="recipient of eckid.pseudonymize()")
    ap.add_argument("--chain", help="chain id, e.g. http://purl.edustandaard.nl/begrippenkader/...")
    ap.add_argument("--sector", help="sector id")
    ap.add_argument("--stampseudonym-segment", default="localsp")
    ap.add_argument("--eckid-segment", default="local")
    args = ap.parse_args()

    if (args.eckid is None) != (args.recipient is None):
        sys.exit("give both --eckid and --recipient, or neither")
    if args.eckid is not None:
        if args.hpgn is not None or args.chain is not None:
            sys.exit("--eckid and --recipient do not combine with --hpgn, --chain or --sector")
        main_pseudonymize(args)
        return
    if args.hpgn is None:
        sys.exit("give --hpgn, or --eckid and --recipient")
    if not re.fullmatch(r"[0-9a-f]{64}", args.hpgn):
        sys.exit("invalid HPgn: an HPgn is exactly 64 lowercase hexadecimal digits")
    if (args.chain is None) != (args.sector is None):
        sys.exit("give both --chain and --sector, or neither")
    stamp_segment = check_segment(args.stampseudonym_segment)
    eckid_segment = check_segment(args.eckid_segment)
    key = read_key(args.key_file)

    stamp = stampseudonym_digest(key, args.hpgn)
    print(f"{PREFIX}{stamp_segment}/{stamp.hex()}")

    if args.chain is not None:
        # eckid hashes the bytes of the text; PostgreSQL's are UTF-8 in a UTF8 database
        chain = args.chain.encode("utf-8")
        sector = args.sector.encode("utf-8")
        for name, value in (("chain", chain), ("sector", sector)):
            if not 1 <= len(value) <= LOCAL_ID_MAX_BYTES:
                sys.exit(f"{name} must be 1 to {LOCAL_ID_MAX_BYTES} bytes")
        digest = eckid_digest(key, stamp_segment, stamp, chain, sector)
        print(f"{PREFIX}{eckid_segment}/{digest.hex()}")


if __name__ == "__main__":
    main()
