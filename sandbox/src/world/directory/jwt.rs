//! The tenant's token-signing key: a fixed RSA-2048 key pair, so that an id_token printed in a
//! failing test can be checked by hand and the JWKS never changes between runs. It signs only
//! sandbox tokens; it is committed on purpose and protects nothing.

use std::sync::OnceLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Generated once with `openssl genrsa 2048` (PKCS#8).
pub const SIGNING_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCeFoYazg+ian+s\n\
xrunvcJHxa9bdOHxBRdRdp5Kc1T8wMNfd0EteoBDbuJx7TZQvNdc8H8MR7ePSs78\n\
Dt42UL2PgyxOZNGrridaBl5aUwKxA5+gaDCr14xOarTmavdJIyv9b9JhdiPAMPCF\n\
O/Wvc4gKKIhP19Xm/Efaq741QS8C34Oxyt9HBpToZ9UpFxtDiIRrhDT//Hp12blD\n\
NnLauXNbM53TFX0NIdpEB4VGOBqPeP8MLNMIz2K1iG6sAPVBu9pd3Wx5Lyi8la+G\n\
oQvhDIxKIiJhdBlUllPk+aDbxwSoDYiI1pcVSzGNVsEJ3PU0dOGsGwoks0cVio+u\n\
3BthclSxAgMBAAECggEAA4IH8UXTynyW/zA8v0TicAHGuZ6PGfBNO2lIq2nCP8aO\n\
P0rP5zCx8m0eOL11CFccZ0tN4mmf/N3B2I2C6E0j27CjNc0eavMXG/QKuXHgnCly\n\
rBZLyDBlBGNxRrCmcpjFc978md2LfwsG90nkkoNbiDAskCr/q9u6w3MuqhNbdfKT\n\
VZumvMuiJ1J5h51+MXHa110II0pS3cuvL/+D5nhCbrkdXKAgbQtRjWwU6IMnKaej\n\
nPydWBOKqIQGlxdlSTkPUM929l8VBpMulRO0v8vzPWbHkobEiQAv+yh0XjEMzBqY\n\
Bvf16SnazNuFSf5d3NYqrQ2QjDMhJkcbEjD+MsM6/QKBgQDK8V9xHxBJwtfW5k2B\n\
tjFpW2jHQU84MCBlfs0NRiA2iTG36zbb7rCoY995+1GW5xZ1thD+Fpl/3c0CpcDI\n\
5ycwR3YcIu7QqApBmAxNhNK2EvjASYpPgEuVV76zLbe7iTkfWfb9EyNA48yK41G5\n\
s4sSoLADEK36v/+RCKhgv/b2rQKBgQDHaxa9g3q5tHsdcoiAFPek3El2OdIRF+bV\n\
3pr4ADdg/64tmRh9+D5NsN4BxSWBGFWjf+CJnPw8suiDMk5dn3taO/AW7yFshEpx\n\
zZyQU5Co9NY1/JFdFHY6dswFdojtpIxNGCq+/4ND2IdpxUG4A1nD6mm70gUmEA1J\n\
rRmmsZoKlQKBgAZyeJe9ZuUQ/Y5kLp4qTZONRdzepEeir8TJrHX5flh9L0kqfcmq\n\
4Y3X7mePpl3m5X3D1PJdgW7gevzUizVWspYEDyqBqZiTXhALZoin6ZHDNIfXTj+M\n\
UdpiuToz/5xDlb77Oq97hikvk3XuFtCRdZ+X3z+Zrg1DQDk5TzATqSLZAoGAaM6z\n\
qO7NNYTRn+xuKULb1N2iDmzdJva073qLYARdFrHKTVTFNo+dzx9BzxRaXbr4Z3Hy\n\
BOFpAE3XPfzWiwYiwo315VfQ7UOqDJ3Px1rkEKh9XOpdS9pROPDu0YA2/w8YXfxx\n\
muiXiLToloKBw8CfEQTGhVwgMJ0HHs3HSYDWQPECgYEAg/Pghod/cS+Q/49DcVg9\n\
PyulVTPT5epRLkJQuYKj1Ft9zCwfL7EMDR/TmPSBfFxQC+HnGq6YnipnBhjJ8S8H\n\
UuRMUaIZRzLzs3BSWjbtxVw6tICzINX8clos9DFKbf8a3avPJieYXCXax2332tYP\n\
YslfQHwOl002oq1qmJVURSw=\n\
-----END PRIVATE KEY-----\n\
";

struct SigningKey {
    pair: RsaKeyPair,
    kid: String,
    n: String,
    e: String,
}

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let body: String = SIGNING_KEY_PEM
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        // The PEM is a constant checked by the tests: failing here is a build mistake, not input.
        let der = STANDARD.decode(body).expect("the committed PEM is base64");
        let pair = RsaKeyPair::from_pkcs8(&der).expect("the committed key is PKCS#8 RSA");
        let public = PublicKeyComponents::<Vec<u8>>::from(pair.public());
        // Entra's kids are opaque base64url strings (an x5t-like thumbprint); derive one.
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&public.n)[..20]);
        SigningKey {
            kid,
            n: URL_SAFE_NO_PAD.encode(&public.n),
            e: URL_SAFE_NO_PAD.encode(&public.e),
            pair,
        }
    })
}

/// The `kid` every sandbox token carries in its header.
pub fn key_id() -> &'static str {
    &key().kid
}

/// `{header}.{claims}.{signature}`, RS256, header `{"typ":"JWT","alg":"RS256","kid":…}`.
pub fn sign(claims: &Value) -> String {
    let key = key();
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": key.kid});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0u8; key.pair.public().modulus_len()];
    // Only fails on a wrongly sized buffer, which the line above rules out.
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )
        .expect("RSA signing with a correctly sized buffer");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The JWKS document (`/discovery/v2.0/keys`): one RSA signing key, fields as Entra shows them
/// minus `x5c` (no certificate: clients verify with `n`/`e`).
pub fn jwks(issuer: &str) -> Value {
    let key = key();
    json!({
        "keys": [{
            "kty": "RSA",
            "use": "sig",
            "kid": key.kid,
            "x5t": key.kid,
            "n": key.n,
            "e": key.e,
            "alg": "RS256",
            "issuer": issuer,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};

    #[test]
    fn signed_tokens_verify_with_the_published_key() {
        let token = sign(&json!({"sub": "x"}));
        let (input, sig) = token.rsplit_once('.').unwrap();
        let doc = jwks("iss");
        let n = URL_SAFE_NO_PAD
            .decode(doc["keys"][0]["n"].as_str().unwrap())
            .unwrap();
        let e = URL_SAFE_NO_PAD
            .decode(doc["keys"][0]["e"].as_str().unwrap())
            .unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
            .expect("signature verifies");
        assert_eq!(n.len(), 256);
    }
}
