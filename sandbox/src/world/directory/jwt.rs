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
pub const SIGNING_KEY_PEM: &str = include_str!("signing_key.pem");

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
