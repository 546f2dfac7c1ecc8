//! `ado-scm secret seal --public-key`: which keys it takes and how it names the ones it refuses,
//! seen from the outside (exit code, the box on stdout, the error and hint on stderr).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::support::{text, TestEnv};

/// The PKIX DER header of an X25519 key (SubjectPublicKeyInfo, OID 1.3.101.110); the key follows.
const X25519_DER_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
const HEX_HINT: &str = "it looks like hex";

/// `secret seal` of `secret` to `key` (the `--public-key` value) in `env`.
fn seal(env: &TestEnv, key: &str, secret: &str) -> std::process::Output {
    env.cmd()
        .args(["secret", "seal", "--public-key", key])
        .write_stdin(secret)
        .output()
        .unwrap()
}

/// A file in the test's HOME holding `bytes`, as `@PATH`.
fn key_file(env: &TestEnv, name: &str, bytes: &[u8]) -> String {
    let path = env.home.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    format!("@{}", path.display())
}

#[test]
fn a_der_key_file_is_read_as_der_even_when_its_key_bytes_look_like_text() {
    let env = TestEnv::new();
    // Every byte below 0x80: the file is valid UTF-8, yet not text (it holds NUL bytes).
    let key = *b"an-x25519-key-of-ascii-bytes-32!";
    let der = [&X25519_DER_PREFIX[..], &key].concat();
    let out = seal(&env, &key_file(&env, "key.der", &der), "s3cret");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A sealed box: 32 bytes of ephemeral key, 16 of tag, then the message.
    let sealed = STANDARD.decode(text(&out.stdout).trim()).unwrap();
    assert_eq!(sealed.len(), 32 + 16 + "s3cret".len());
}

#[test]
fn a_der_key_file_of_another_algorithm_is_named() {
    let env = TestEnv::new();
    // An EC P-256 SubjectPublicKeyInfo (91 bytes, not UTF-8).
    let mut p256 = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
    ];
    p256.extend([0x11; 64]);
    let out = seal(&env, &key_file(&env, "ec.der", &p256), "s3cret");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the DER holds a non-X25519 key (EC, OID 1.2.840.10045.2.1"),
        "{stderr}"
    );
}

/// One DER item: `tag`, the length (short form below 128, else `0x81 n` or `0x82 n n`), `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let length = match len {
        0..=0x7f => vec![len as u8],
        0x80..=0xff => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    };
    [&[tag][..], &length, content].concat()
}

/// A DER SubjectPublicKeyInfo of the algorithm with the encoded OID `oid`, over `key_len` bytes.
fn spki(oid: &[u8], key_len: usize) -> Vec<u8> {
    let algorithm = der(0x30, &der(0x06, oid));
    let key = der(0x03, &[&[0x00][..], &vec![0x22; key_len]].concat());
    der(0x30, &[algorithm, key].concat())
}

const RSA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

#[test]
fn each_other_algorithm_is_named_with_its_oid() {
    let env = TestEnv::new();
    for (oid, key_len, named) in [
        (&[0x2b, 0x65, 0x70][..], 32, "Ed25519, OID 1.3.101.112"),
        (&[0x2b, 0x65, 0x6f][..], 56, "X448, OID 1.3.101.111"),
        (&[0x2b, 0x65, 0x71][..], 57, "Ed448, OID 1.3.101.113"),
        // RSA keys long enough for the two long forms of a DER length; the second's is 263
        // (0x82 0x01 0x07), whose low byte alone would cut the algorithm short.
        (&RSA[..], 140, "RSA, OID 1.2.840.113549.1.1.1"),
        (&RSA[..], 246, "RSA, OID 1.2.840.113549.1.1.1"),
        // ML-DSA-44: an OID under the joint arc 2.
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11][..],
            64,
            "unknown, OID 2.16.840.1.101.3.4.3.17",
        ),
    ] {
        let out = seal(&env, &STANDARD.encode(spki(oid, key_len)), "s3cret");
        assert_eq!(out.status.code(), Some(2), "{named}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("the DER holds a non-X25519 key ({named};")),
            "{named}: {stderr}"
        );
    }
}

#[test]
fn an_indefinite_der_length_is_not_read() {
    let env = TestEnv::new();
    // 0x80 is the indefinite-length marker (not allowed in DER), not a length of 128.
    let rsa = spki(&RSA, 140);
    let der = [&[0x30, 0x80][..], &rsa[3..]].concat();
    let out = seal(&env, &STANDARD.encode(&der), "s3cret");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("decodes to {} bytes;", der.len())),
        "{stderr}"
    );
}

#[test]
fn a_der_without_an_algorithm_oid_is_just_the_wrong_length() {
    let env = TestEnv::new();
    // SEQUENCE { SEQUENCE { OCTET STRING … } BIT STRING … }: no OID where the algorithm goes.
    let der = [
        0x30, 0x0b, 0x30, 0x05, 0x04, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x02, 0x00, 0x01,
    ];
    let out = seal(&env, &STANDARD.encode(der), "s3cret");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("decodes to 13 bytes; an X25519 key is 32 bytes raw or 44 bytes DER"),
        "{stderr}"
    );
}

#[test]
fn only_64_hex_digits_get_the_hex_hint() {
    let env = TestEnv::new();
    let hex: String = (0..32).map(|i| format!("{:02x}", i + 1)).collect();
    for (key, hinted) in [
        // 64 hex digits: hex of a key.
        (hex.clone(), true),
        // 64 characters of base64 that are not hex digits.
        ("Z".repeat(64), false),
        // Hex digits, but not 64 of them.
        (hex[..44].to_string(), false),
    ] {
        let out = seal(&env, &key, "s3cret");
        assert_eq!(out.status.code(), Some(2), "{key}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.contains(HEX_HINT), hinted, "{key}: {stderr}");
    }
}
