#!/usr/bin/env python3
"""Reference implementation of eckid's local derivation (docs/derivation.md).

Given the local derivation key (the file eckid.key_file names) and an HPgn,
print the Stampseudonym that eckid.local_stampseudonym() returns; given a
chain and a sector too, print on a second line the ECK iD that eckid.derive()
returns for that Stampseudonym.  Standard library only, so that anyone can
check the extension's output independently of its C code.

    local_derivation.py --key-file F --hpgn H [--chain C --sector S]
                        [--stampseudonym-segment localsp] [--eckid-segment local]
"""

import argparse
import hashlib
import re
import struct
import sys

PREFIX = "https://ketenid.nl/"
STAMP_DOMAIN = b"eckid/v1/stampseudonym\x00"
ECKID_DOMAIN = b"eckid/v1/eckid\x00"
LOCAL_ID_MAX_BYTES = 65535


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--hpgn", required=True, help="64 lowercase hexadecimal digits")
    ap.add_argument("--chain", help="chain id, e.g. http://purl.edustandaard.nl/begrippenkader/...")
    ap.add_argument("--sector", help="sector id")
    ap.add_argument("--stampseudonym-segment", default="localsp")
    ap.add_argument("--eckid-segment", default="local")
    args = ap.parse_args()

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
