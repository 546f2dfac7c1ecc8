#!/usr/bin/python3
"""Open or make libsodium sealed boxes with PyNaCl, to check ado-scm's `secret seal` against a
real libsodium (crypto_box_seal / crypto_box_seal_open).

Needs PyNaCl (Debian: `apt-get install python3-nacl`); run it with the system Python
(/usr/bin/python3) if another python3 comes first on PATH.

    check-sealed-box.py keygen
        prints {"private_key": B64, "public_key": B64} (raw 32-byte X25519 keys, standard base64)
    check-sealed-box.py open --private-key KEY [SEALED]
        opens SEALED (standard base64; read from stdin when omitted) and writes the plaintext to
        stdout exactly, with no newline added
    check-sealed-box.py seal --public-key KEY [MESSAGE]
        seals MESSAGE (read from stdin when omitted, bytes as they are) and prints the box as
        standard base64 and a newline

KEY is standard base64 of the raw 32-byte key, or @FILE holding that base64.
Exit status: 0 done, 1 the box does not open, 2 bad usage or input, 3 PyNaCl is missing.
"""

import argparse
import base64
import binascii
import json
import sys

try:
    from nacl.exceptions import CryptoError
    from nacl.public import PrivateKey, PublicKey, SealedBox
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "error: PyNaCl is missing: install python3-nacl (Debian) or PyNaCl, and run this "
        "script with that Python (e.g. /usr/bin/python3)\n"
    )
    sys.exit(3)


def fail(message, status=2):
    sys.stderr.write("error: " + message + "\n")
    sys.exit(status)


def b64decode(text, what):
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as err:
        fail("%s is not standard base64 (%s)" % (what, err))


def read_key(value, what):
    if value.startswith("@"):
        try:
            with open(value[1:], "r", encoding="ascii") as handle:
                value = handle.read()
        except OSError as err:
            fail("cannot read %s from %s: %s" % (what, value[1:], err))
    raw = b64decode(value, what)
    if len(raw) != 32:
        fail("%s decodes to %d bytes; a raw X25519 key is 32 bytes" % (what, len(raw)))
    return raw


def read_input(value):
    if value is not None:
        return value.encode("utf-8")
    return sys.stdin.buffer.read()


def keygen(_args):
    key = PrivateKey.generate()
    print(
        json.dumps(
            {
                "private_key": base64.b64encode(bytes(key)).decode("ascii"),
                "public_key": base64.b64encode(bytes(key.public_key)).decode("ascii"),
            }
        )
    )


def open_box(args):
    key = PrivateKey(read_key(args.private_key, "the private key"))
    sealed = b64decode(read_input(args.sealed).decode("ascii", "replace"), "the sealed box")
    try:
        plaintext = SealedBox(key).decrypt(sealed)
    except CryptoError as err:
        fail("the sealed box does not open with this private key (%s)" % err, 1)
    sys.stdout.buffer.write(plaintext)
    sys.stdout.buffer.flush()


def seal_box(args):
    key = PublicKey(read_key(args.public_key, "the public key"))
    sealed = SealedBox(key).encrypt(read_input(args.message))
    print(base64.b64encode(sealed).decode("ascii"))


def main():
    parser = argparse.ArgumentParser(
        description="Open or make libsodium sealed boxes (PyNaCl SealedBox)."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("keygen", help="make an X25519 key pair").set_defaults(run=keygen)

    opener = commands.add_parser("open", help="open a sealed box, print the plaintext")
    opener.add_argument("--private-key", required=True, help="base64 of the raw key, or @FILE")
    opener.add_argument("sealed", nargs="?", help="the box, base64 (default: stdin)")
    opener.set_defaults(run=open_box)

    sealer = commands.add_parser("seal", help="seal a message, print the box in base64")
    sealer.add_argument("--public-key", required=True, help="base64 of the raw key, or @FILE")
    sealer.add_argument("message", nargs="?", help="the message (default: stdin)")
    sealer.set_defaults(run=seal_box)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
