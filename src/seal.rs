//! The runner's public key and the sealed secret.
//!
//! A runner publishes an X25519 public key (`runner.status.publicKey`); secrets sent to it are
//! libsodium sealed boxes (`crypto_box_seal`): the ephemeral public key (32 bytes) followed by
//! the XSalsa20-Poly1305 box (16-byte tag + message), nonce = BLAKE2b-24(ephemeral pk ‖
//! recipient pk). Any libsodium (PyNaCl's `SealedBox`) opens what [`seal`] produces.
//!
//! Keys are accepted as `--public-key`'s help says: standard base64 of the raw 32-byte
//! key or of its 44-byte PKIX DER form (SubjectPublicKeyInfo, OID 1.3.101.110), or `@FILE`
//! holding either, PEM (`-----BEGIN PUBLIC KEY-----`), or the raw/DER bytes themselves. Anything
//! else is a usage error (exit 2) that says what is wrong.

use std::io;
use std::path::Path;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use crypto_box::PublicKey;
use rand_core::OsRng;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Length of an X25519 public key.
pub const KEY_LEN: usize = 32;
/// Length of the PKIX DER (SubjectPublicKeyInfo) form of an X25519 public key.
pub const DER_LEN: usize = 44;
/// `SEQUENCE(42) { SEQUENCE(5) { OID 1.3.101.110 } BIT STRING(33) 0 unused bits }`.
pub const DER_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
/// Bytes a sealed box adds to the message: ephemeral public key (32) + Poly1305 tag (16).
pub const SEAL_OVERHEAD: usize = 48;

const X25519_OID: &str = "1.3.101.110";
const FLAG: &str = "--public-key";

/// libsodium's list of X25519 points of small order (compared with the top bit cleared, as
/// X25519 ignores it). Sealing to one of them would give a shared key anyone can compute.
const LOW_ORDER_POINTS: [[u8; 32]; 7] = [
    // 0 (order 4)
    [0; 32],
    // 1 (order 1)
    [
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0,
    ],
    // order 8
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    // order 8
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    // p - 1 (order 2)
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p (= 0)
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p + 1 (= 1)
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

const KEY_HINT: &str = "give the runner's X25519 public key as standard base64 (32 raw bytes or \
                        the 44-byte DER form), or @FILE holding it (base64 or PEM)";

/// A runner's X25519 public key, checked: right length, right algorithm, not a low-order point.
#[derive(Clone, PartialEq, Eq)]
pub struct RunnerPublicKey(PublicKey);

impl RunnerPublicKey {
    /// The key from its raw 32 bytes or its 44-byte PKIX DER form. `what` names the key in
    /// messages (`--public-key`, `the runner's public key`). The error is a usage error; a
    /// caller reading the key from a service may change its kind.
    pub fn from_key_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let raw: [u8; KEY_LEN] = match bytes.len() {
            KEY_LEN => bytes.try_into().expect("length checked"),
            DER_LEN if bytes.starts_with(&DER_PREFIX) => bytes[DER_PREFIX.len()..]
                .try_into()
                .expect("length checked"),
            len => {
                if let Some(oid) = spki_algorithm(bytes) {
                    if oid != X25519_OID {
                        return Err(non_x25519(what, "the DER", &oid));
                    }
                    return Err(Error::usage(format!(
                        "{what}: the DER names X25519 but is {len} bytes, not the {DER_LEN}-byte \
                         SubjectPublicKeyInfo of an X25519 key"
                    ))
                    .with_hint(KEY_HINT));
                }
                return Err(Error::usage(format!(
                    "{what}: decodes to {len} bytes; an X25519 key is {KEY_LEN} bytes raw or \
                     {DER_LEN} bytes DER"
                ))
                .with_hint(KEY_HINT));
            }
        };
        if is_low_order(&raw) {
            return Err(Error::usage(format!(
                "{what}: not a usable X25519 public key (a low-order point such as all zeros): \
                 a secret sealed to it could be opened by anyone"
            ))
            .with_hint("give the public key the runner registered (its status.publicKey)"));
        }
        Ok(RunnerPublicKey(PublicKey::from(raw)))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        self.0.as_bytes()
    }

    /// Standard base64 of the raw 32 bytes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.as_bytes())
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the raw key (as `ssh-keygen -l`
    /// shows keys): short enough to show an admin which key a secret was sealed to.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.as_bytes());
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
        )
    }
}

impl std::fmt::Debug for RunnerPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RunnerPublicKey({})", self.to_base64())
    }
}

/// Parses a `--public-key` value: base64 (raw or DER), or `@FILE` read with `read_file`
/// (base64, PEM, or the raw / DER bytes). Every refusal is a usage error saying what is wrong.
pub fn parse_public_key(
    raw: &str,
    read_file: impl Fn(&Path) -> io::Result<Vec<u8>>,
) -> Result<RunnerPublicKey> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::usage(format!("{FLAG}: the key is empty")).with_hint(KEY_HINT));
    }
    let Some(path) = raw.strip_prefix('@') else {
        return from_text(raw, FLAG);
    };
    if path.is_empty() {
        return Err(
            Error::usage(format!("{FLAG}: `@` must be followed by a file name"))
                .with_hint(KEY_HINT),
        );
    }
    let what = format!("{FLAG} {raw}");
    let bytes = read_file(Path::new(path)).map_err(|err| {
        let message = if err.kind() == io::ErrorKind::NotFound {
            format!("{FLAG}: file `{path}` not found")
        } else {
            format!("{FLAG}: cannot read file `{path}`")
        };
        Error::usage(message).caused_by(err).with_hint(KEY_HINT)
    })?;
    from_file_bytes(&bytes, &what)
}

/// A file's content: the bare 32 or 44 DER bytes, or text (base64 or PEM).
fn from_file_bytes(bytes: &[u8], what: &str) -> Result<RunnerPublicKey> {
    // 32 bytes of text are a mistake (base64 of a key is 43 or 44 characters), not a raw key.
    let is_text = bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if (bytes.len() == KEY_LEN && !is_text)
        || (bytes.len() == DER_LEN && bytes.starts_with(&DER_PREFIX))
    {
        return RunnerPublicKey::from_key_bytes(bytes, what);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.trim().is_empty() => from_text(text.trim(), what),
        Ok(_) => Err(Error::usage(format!("{what}: the file is empty")).with_hint(KEY_HINT)),
        Err(_) if bytes.first() == Some(&0x30) => RunnerPublicKey::from_key_bytes(bytes, what),
        Err(_) => Err(Error::usage(format!(
            "{what}: the file is neither text (base64 or PEM) nor a {KEY_LEN}-byte raw or \
             {DER_LEN}-byte DER key ({} bytes)",
            bytes.len()
        ))
        .with_hint(KEY_HINT)),
    }
}

fn from_text(text: &str, what: &str) -> Result<RunnerPublicKey> {
    if text.starts_with("-----BEGIN") {
        return from_pem(text, what);
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = decode_base64(&compact, what)?;
    RunnerPublicKey::from_key_bytes(&bytes, what).map_err(|err| {
        let looks_hex =
            compact.len() == 2 * KEY_LEN && compact.chars().all(|c| c.is_ascii_hexdigit());
        if looks_hex {
            err.with_hint(
                "it looks like hex: give base64 instead (e.g. `echo HEX | xxd -r -p | base64`)",
            )
        } else {
            err
        }
    })
}

fn decode_base64(text: &str, what: &str) -> Result<Vec<u8>> {
    let engine = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    engine.decode(text).map_err(|err| {
        let url_safe = GeneralPurpose::new(
            &alphabet::URL_SAFE,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        let error = Error::usage(format!("{what}: not base64")).caused_by(err);
        if url_safe.decode(text).is_ok() {
            error.with_hint("it looks like URL-safe base64: use standard base64 (`+` and `/`)")
        } else {
            error.with_hint(KEY_HINT)
        }
    })
}

fn from_pem(text: &str, what: &str) -> Result<RunnerPublicKey> {
    let mut lines = text.lines().map(str::trim);
    let begin = lines.next().unwrap_or_default();
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .ok_or_else(|| {
            Error::usage(format!("{what}: malformed PEM header `{begin}`")).with_hint(KEY_HINT)
        })?;
    if label != "PUBLIC KEY" {
        let error = Error::usage(format!("{what}: the PEM holds a {label}, not a PUBLIC KEY"));
        return Err(if label.contains("PRIVATE") {
            error.with_hint(
                "this is a private key: give the runner's public key (and keep the private key \
                 on the runner)",
            )
        } else {
            error.with_hint(KEY_HINT)
        });
    }
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    let mut ended = false;
    for line in lines {
        if line == end {
            ended = true;
            break;
        }
        if line.contains(':') {
            // RFC 1421 headers: not used for public keys.
            continue;
        }
        body.push_str(line);
    }
    if !ended {
        return Err(
            Error::usage(format!("{what}: the PEM has no `{end}` line")).with_hint(KEY_HINT)
        );
    }
    let der = decode_base64(&body, &format!("{what}: the PEM body"))?;
    match spki_algorithm(&der) {
        Some(oid) if oid != X25519_OID => Err(non_x25519(what, "the PEM", &oid)),
        Some(_) => RunnerPublicKey::from_key_bytes(&der, what),
        None => Err(Error::usage(format!(
            "{what}: the PEM does not hold a SubjectPublicKeyInfo ({} bytes)",
            der.len()
        ))
        .with_hint(KEY_HINT)),
    }
}

fn non_x25519(what: &str, container: &str, oid: &str) -> Error {
    let name = match oid {
        "1.3.101.112" => "Ed25519",
        "1.3.101.111" => "X448",
        "1.3.101.113" => "Ed448",
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.113549.1.1.1" => "RSA",
        _ => "unknown",
    };
    Error::usage(format!(
        "{what}: {container} holds a non-X25519 key ({name}, OID {oid}; X25519 is {X25519_OID})"
    ))
    .with_hint(KEY_HINT)
}

fn is_low_order(key: &[u8; KEY_LEN]) -> bool {
    let mut masked = *key;
    masked[31] &= 0x7f;
    LOW_ORDER_POINTS.contains(&masked)
}

/// The algorithm OID (dotted) of a DER SubjectPublicKeyInfo, if `der` starts like one:
/// `SEQUENCE { SEQUENCE { OID … } … }`.
fn spki_algorithm(der: &[u8]) -> Option<String> {
    let (tag, outer, _) = der_item(der)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, alg, _) = der_item(outer)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, oid, _) = der_item(alg)?;
    if tag != 0x06 || oid.is_empty() {
        return None;
    }
    let mut arcs = Vec::new();
    let first = oid[0];
    arcs.push(u64::from(first / 40).min(2));
    arcs.push(u64::from(first) - 40 * arcs[0]);
    let mut value: u64 = 0;
    for &byte in &oid[1..] {
        value = value.checked_mul(128)? | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        }
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// One DER item: (tag, content, rest). Definite lengths only, up to 2 length bytes.
fn der_item(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => (usize::from(*rest.first()?), &rest[1..]),
        0x82 => {
            let length = rest.get(..2)?;
            (
                (usize::from(length[0]) << 8) | usize::from(length[1]),
                &rest[2..],
            )
        }
        _ => return None,
    };
    let content = rest.get(..len)?;
    Some((tag, content, &rest[len..]))
}

/// Seals `secret` to the runner's key: standard base64 of a libsodium `crypto_box_seal` box
/// ([`SEAL_OVERHEAD`] bytes longer than the secret). Every call gives a different box.
pub fn seal(key: &RunnerPublicKey, secret: &Secret) -> Result<String> {
    let sealed = key
        .0
        .seal(&mut OsRng, secret.expose().as_bytes())
        .map_err(|_| Error::local("cannot seal the secret to the runner's public key"))?;
    Ok(STANDARD.encode(sealed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_box::SecretKey;

    fn keypair() -> (SecretKey, RunnerPublicKey) {
        let sk = SecretKey::generate(&mut OsRng);
        let pk = RunnerPublicKey::from_key_bytes(sk.public_key().as_bytes(), "test").unwrap();
        (sk, pk)
    }

    fn der(pk: &RunnerPublicKey) -> Vec<u8> {
        let mut der = DER_PREFIX.to_vec();
        der.extend_from_slice(pk.as_bytes());
        der
    }

    fn pem(der: &[u8]) -> String {
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        )
    }

    fn no_files(_: &Path) -> io::Result<Vec<u8>> {
        Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn file(content: Vec<u8>) -> impl Fn(&Path) -> io::Result<Vec<u8>> {
        move |path: &Path| {
            assert_eq!(path, Path::new("key.pub"));
            Ok(content.clone())
        }
    }

    fn open(sk: &SecretKey, sealed: &str) -> Vec<u8> {
        sk.unseal(&STANDARD.decode(sealed).unwrap()).unwrap()
    }

    fn usage_error(result: Result<RunnerPublicKey>) -> Error {
        let err = result.unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        err
    }

    #[test]
    fn seal_round_trip() {
        let (sk, pk) = keypair();
        let sealed = seal(&pk, &Secret::new("client-secret~value")).unwrap();
        assert_eq!(open(&sk, &sealed), b"client-secret~value");
    }

    #[test]
    fn sealed_output_differs_each_time_and_has_the_right_length() {
        let (sk, pk) = keypair();
        let secret = Secret::new("s3cr3t");
        let a = seal(&pk, &secret).unwrap();
        let b = seal(&pk, &secret).unwrap();
        assert_ne!(a, b);
        for sealed in [&a, &b] {
            let bytes = STANDARD.decode(sealed).unwrap();
            assert_eq!(bytes.len(), SEAL_OVERHEAD + "s3cr3t".len());
            assert_eq!(open(&sk, sealed), b"s3cr3t");
        }
        let long = Secret::new("x".repeat(1000));
        let sealed = STANDARD.decode(seal(&pk, &long).unwrap()).unwrap();
        assert_eq!(sealed.len(), SEAL_OVERHEAD + 1000);
    }

    #[test]
    fn another_key_cannot_open() {
        let (_, pk) = keypair();
        let (other, _) = keypair();
        let sealed = STANDARD
            .decode(seal(&pk, &Secret::new("x")).unwrap())
            .unwrap();
        assert!(other.unseal(&sealed).is_err());
    }

    #[test]
    fn accepted_forms() {
        let (sk, pk) = keypair();
        let raw = pk.as_bytes().to_vec();
        let der = der(&pk);
        let b64_raw = STANDARD.encode(&raw);
        let b64_der = STANDARD.encode(&der);
        let unpadded = b64_raw.trim_end_matches('=').to_string();

        for arg in [
            b64_raw.clone(),
            b64_der.clone(),
            unpadded,
            format!("  {b64_raw}\n"),
        ] {
            let got = parse_public_key(&arg, no_files).unwrap();
            assert_eq!(got, pk, "{arg}");
        }
        let files: Vec<Vec<u8>> = vec![
            format!("{b64_raw}\n").into_bytes(),
            format!("{b64_der}\r\n").into_bytes(),
            pem(&der).into_bytes(),
            pem(&der).replace('\n', "\r\n").into_bytes(),
            raw.clone(),
            der.clone(),
        ];
        for content in files {
            let got = parse_public_key("@key.pub", file(content.clone())).unwrap();
            assert_eq!(got, pk, "{content:?}");
        }
        // The parsed key seals to the same key pair.
        let parsed = parse_public_key(&b64_der, no_files).unwrap();
        let sealed = seal(&parsed, &Secret::new("abc")).unwrap();
        assert_eq!(open(&sk, &sealed), b"abc");
        assert_eq!(parsed.to_base64(), b64_raw);
        assert!(parsed.fingerprint().starts_with("SHA256:"));
        assert_eq!(format!("{parsed:?}"), format!("RunnerPublicKey({b64_raw})"));
    }

    #[test]
    fn openssl_pem_vector() {
        // `openssl genpkey -algorithm X25519 | openssl pkey -pubout`
        let pem = "-----BEGIN PUBLIC KEY-----\n\
                   MCowBQYDK2VuAyEA3iwldgh6qvyOzrh3hgH/aSsQIHLL5f5fUGYlAxaBDAg=\n\
                   -----END PUBLIC KEY-----\n";
        let key = parse_public_key("@key.pub", file(pem.into())).unwrap();
        assert_eq!(&key.as_bytes()[..4], &[0xde, 0x2c, 0x25, 0x76]);
        assert_eq!(&key.as_bytes()[29..], &[0x81, 0x0c, 0x08]);
        // The same DER given inline.
        let inline = parse_public_key(
            "MCowBQYDK2VuAyEA3iwldgh6qvyOzrh3hgH/aSsQIHLL5f5fUGYlAxaBDAg=",
            no_files,
        )
        .unwrap();
        assert_eq!(inline, key);
        // An Ed25519 key from openssl is named as such.
        let ed = "-----BEGIN PUBLIC KEY-----\n\
                  MCowBQYDK2VwAyEA4+as0uqhlrQXw7N1PZoeCyiFrut3H2I4uW7xwKhDVMI=\n\
                  -----END PUBLIC KEY-----\n";
        let err = usage_error(parse_public_key("@key.pub", file(ed.into())));
        assert!(
            err.message.contains("(Ed25519, OID 1.3.101.112"),
            "{}",
            err.message
        );
    }

    #[test]
    fn wrong_lengths() {
        let err = usage_error(parse_public_key(&STANDARD.encode([7u8; 31]), no_files));
        assert_eq!(
            err.message,
            "--public-key: decodes to 31 bytes; an X25519 key is 32 bytes raw or 44 bytes DER"
        );
        let err = usage_error(parse_public_key(&STANDARD.encode([7u8; 33]), no_files));
        assert!(
            err.message.contains("decodes to 33 bytes"),
            "{}",
            err.message
        );
        // 44 bytes that are not the X25519 DER form.
        let err = usage_error(parse_public_key(&STANDARD.encode([7u8; 44]), no_files));
        assert!(
            err.message.contains("decodes to 44 bytes"),
            "{}",
            err.message
        );
        // Hex of a key is valid base64 of 48 bytes: say it looks like hex.
        let hex: String = (0..32).map(|i| format!("{:02x}", i + 1)).collect();
        let err = usage_error(parse_public_key(&hex, no_files));
        assert!(
            err.message.contains("decodes to 48 bytes"),
            "{}",
            err.message
        );
        assert!(err.hint.unwrap().contains("hex"));
    }

    #[test]
    fn not_base64() {
        let err = usage_error(parse_public_key("not a key!", no_files));
        assert_eq!(err.message, "--public-key: not base64");
        assert!(!err.causes.is_empty());
        let (_, pk) = keypair();
        let mut url_safe = base64::engine::general_purpose::URL_SAFE.encode(pk.as_bytes());
        // Make sure it contains a URL-safe-only character.
        if !url_safe.contains(['-', '_']) {
            url_safe.replace_range(0..1, "-");
        }
        let err = usage_error(parse_public_key(&url_safe, no_files));
        assert_eq!(err.message, "--public-key: not base64");
        assert!(err.hint.unwrap().contains("URL-safe"));
    }

    #[test]
    fn empty_and_bad_file_arguments() {
        let err = usage_error(parse_public_key("  ", no_files));
        assert_eq!(err.message, "--public-key: the key is empty");
        let err = usage_error(parse_public_key("@", no_files));
        assert!(err.message.contains("followed by a file name"));
        let err = usage_error(parse_public_key("@key.pub", no_files));
        assert_eq!(err.message, "--public-key: file `key.pub` not found");
        let denied = |_: &Path| Err(io::Error::new(io::ErrorKind::PermissionDenied, "denied"));
        let err = usage_error(parse_public_key("@key.pub", denied));
        assert_eq!(err.message, "--public-key: cannot read file `key.pub`");
        assert!(err.causes[0].contains("denied"));
        let err = usage_error(parse_public_key("@key.pub", file(b"\n".to_vec())));
        assert!(err.message.contains("the file is empty"), "{}", err.message);
        // 32 characters of text are not taken for a raw key.
        let err = usage_error(parse_public_key(
            "@key.pub",
            file(b"0123456789abcdef0123456789abcdef".to_vec()),
        ));
        assert!(
            err.message.contains("decodes to 24 bytes"),
            "{}",
            err.message
        );
        let err = usage_error(parse_public_key("@key.pub", file(vec![0xff; 40])));
        assert!(err.message.contains("neither text"), "{}", err.message);
        let err = usage_error(parse_public_key(
            "@key.pub",
            file(STANDARD.encode([1u8; 31]).into_bytes()),
        ));
        assert_eq!(
            err.message,
            "--public-key @key.pub: decodes to 31 bytes; an X25519 key is 32 bytes raw or 44 \
             bytes DER"
        );
    }

    // An Ed25519 SubjectPublicKeyInfo (same shape, OID 1.3.101.112).
    fn ed25519_der() -> Vec<u8> {
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(&[9u8; 32]);
        der
    }

    // The start of a P-256 SubjectPublicKeyInfo (91 bytes, OIDs ecPublicKey and prime256v1).
    fn p256_der() -> Vec<u8> {
        let mut der = vec![
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
        ];
        der.extend_from_slice(&[5u8; 64]);
        assert_eq!(der.len(), 91);
        der
    }

    #[test]
    fn other_algorithms_are_named() {
        let err = usage_error(parse_public_key(
            "@key.pub",
            file(pem(&ed25519_der()).into_bytes()),
        ));
        assert_eq!(
            err.message,
            "--public-key @key.pub: the PEM holds a non-X25519 key (Ed25519, OID 1.3.101.112; \
             X25519 is 1.3.101.110)"
        );
        let err = usage_error(parse_public_key(
            "@key.pub",
            file(pem(&p256_der()).into_bytes()),
        ));
        assert!(
            err.message
                .contains("the PEM holds a non-X25519 key (EC, OID 1.2.840.10045.2.1"),
            "{}",
            err.message
        );
        let err = usage_error(parse_public_key(&STANDARD.encode(ed25519_der()), no_files));
        assert!(
            err.message
                .contains("the DER holds a non-X25519 key (Ed25519, OID 1.3.101.112"),
            "{}",
            err.message
        );
    }

    #[test]
    fn malformed_pem() {
        let (_, pk) = keypair();
        let good = pem(&der(&pk));
        let private = good.replace("PUBLIC KEY", "PRIVATE KEY");
        let err = usage_error(parse_public_key("@key.pub", file(private.into_bytes())));
        assert!(err
            .message
            .contains("holds a PRIVATE KEY, not a PUBLIC KEY"));
        assert!(err.hint.unwrap().contains("private key"));
        let cert = good.replace("PUBLIC KEY", "CERTIFICATE");
        let err = usage_error(parse_public_key("@key.pub", file(cert.into_bytes())));
        assert!(err.message.contains("holds a CERTIFICATE"));
        let cut = good.replace("-----END PUBLIC KEY-----", "");
        let err = usage_error(parse_public_key("@key.pub", file(cut.into_bytes())));
        assert!(err.message.contains("no `-----END PUBLIC KEY-----` line"));
        let garbage = "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n";
        let err = usage_error(parse_public_key("@key.pub", file(garbage.into())));
        assert!(
            err.message.contains("the PEM body: not base64"),
            "{}",
            err.message
        );
        let not_spki = pem(&[1, 2, 3]);
        let err = usage_error(parse_public_key("@key.pub", file(not_spki.into_bytes())));
        assert!(err.message.contains("does not hold a SubjectPublicKeyInfo"));
    }

    #[test]
    fn low_order_points_are_refused() {
        let err = usage_error(parse_public_key(&STANDARD.encode([0u8; 32]), no_files));
        assert!(err.message.contains("low-order point"), "{}", err.message);
        for point in LOW_ORDER_POINTS {
            assert!(RunnerPublicKey::from_key_bytes(&point, "k").is_err());
            let mut high = point;
            high[31] |= 0x80;
            assert!(RunnerPublicKey::from_key_bytes(&high, "k").is_err());
        }
        // The DER form of the zero key too.
        let mut der = DER_PREFIX.to_vec();
        der.extend_from_slice(&[0; 32]);
        usage_error(parse_public_key(&STANDARD.encode(der), no_files));
    }

    /// Interop with a real libsodium through PyNaCl (`scripts/check-sealed-box.py`, Debian
    /// `python3-nacl`); `scripts/e2e` runs it with `--include-ignored`. Without PyNaCl the script
    /// exits 3 and the test fails saying so.
    #[test]
    #[ignore = "needs libsodium (PyNaCl for /usr/bin/python3, Debian python3-nacl); run scripts/e2e"]
    fn libsodium_opens_what_we_seal_and_we_open_what_it_seals() {
        use std::process::{Command, Stdio};
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/check-sealed-box.py");
        let run = |args: &[&str], input: &[u8]| {
            let mut child = Command::new("/usr/bin/python3")
                .arg(script)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run check-sealed-box.py with /usr/bin/python3");
            io::Write::write_all(&mut child.stdin.take().unwrap(), input).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        // We seal, libsodium opens.
        let (sk, pk) = keypair();
        let secret = "Q~client secret with spaces and ünicode";
        let sealed = seal(&pk, &Secret::new(secret)).unwrap();
        let private = STANDARD.encode(sk.to_bytes());
        let opened = run(&["open", "--private-key", &private], sealed.as_bytes());
        assert_eq!(opened, secret.as_bytes());
        // libsodium seals, we open.
        let sealed = run(
            &["seal", "--public-key", &pk.to_base64()],
            b"from libsodium",
        );
        let sealed = String::from_utf8(sealed).unwrap();
        assert_eq!(open(&sk, sealed.trim()), b"from libsodium");
    }

    #[test]
    fn oids_decode() {
        assert_eq!(
            spki_algorithm(&[DER_PREFIX.as_slice(), &[1u8; 32]].concat()).as_deref(),
            Some("1.3.101.110")
        );
        assert_eq!(
            spki_algorithm(&p256_der()).as_deref(),
            Some("1.2.840.10045.2.1")
        );
        assert_eq!(spki_algorithm(&[0x30, 0x01]), None);
        assert_eq!(spki_algorithm(&[]), None);
    }
}
