//! ID token checks (OpenID Connect Core §3.1.3.7), done whenever Entra returns an ID token:
//! an RS256 signature by a key of the tenant's `jwks_uri`, then `iss`, `aud` (and `azp`: when
//! the token has several audiences it must name us as the party it was issued to, and when it
//! names a party at all, that must be us), `exp`/`nbf` (five minutes of clock skew allowed, with
//! saturating arithmetic: a hostile `exp` cannot overflow) and, when the sign-in sent one,
//! `nonce`.
//!
//! Signatures are checked with `ring`, already built for rustls: no extra compile. Only RS256 is
//! accepted (Entra signs with it); `none` and HMAC algorithms are refused outright.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use crate::clients::entra::{IdToken, IdTokenClaims, SERVICE};
use crate::error::{Error, Result};
use crate::http::{Http, Request};
use crate::secret::Secret;

/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 300;

/// base64url, with or without padding.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The tenant's signing keys.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One key of a JWKS; only RSA keys are used.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default, rename = "use")]
    pub key_use: Option<String>,
}

/// What the token must say.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The discovery document's `issuer`.
    pub issuer: &'a str,
    /// Our client id.
    pub audience: &'a str,
    /// The nonce sent with the authorize request; `None` for grants that cannot carry one
    /// (device code, refresh).
    pub nonce: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Why a token was refused. No variant carries the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("it is not a well-formed JWT ({0})")]
    Malformed(&'static str),
    #[error("it is signed with `{0}`, not RS256")]
    Algorithm(String),
    #[error("it is signed by a key the tenant does not publish (kid `{0}`)")]
    UnknownKey(String),
    #[error("its signature does not verify")]
    BadSignature,
    #[error("it was issued by `{got}`, not `{want}`")]
    Issuer { got: String, want: String },
    #[error("it is meant for another application ({got})")]
    Audience { got: String },
    #[error("it was issued to another party ({got}), or to nobody named among several audiences")]
    AuthorizedParty { got: String },
    #[error("it expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("it is not valid before {0}")]
    NotYetValid(DateTime<Utc>),
    #[error("its nonce does not match this sign-in")]
    Nonce,
}

/// The authorized party (`azp`), read beside the claims ado-scm keeps.
#[derive(Deserialize)]
struct Party {
    #[serde(default)]
    azp: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Checks a compact JWT against `jwks` and `expected`; returns its claims.
pub fn verify(
    raw: &str,
    jwks: &Jwks,
    expected: &Expected<'_>,
) -> std::result::Result<IdTokenClaims, IdTokenError> {
    let mut parts = raw.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed("it does not have three parts"));
    };
    let header: Header = B64URL
        .decode(header_b64)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(IdTokenError::Malformed("unreadable header"))?;
    if header.alg != "RS256" {
        return Err(IdTokenError::Algorithm(header.alg));
    }
    let signature = B64URL
        .decode(signature_b64)
        .map_err(|_| IdTokenError::Malformed("unreadable signature"))?;
    let rsa_keys: Vec<&Jwk> = jwks
        .keys
        .iter()
        .filter(|k| k.kty == "RSA" && k.key_use.as_deref().is_none_or(|u| u == "sig"))
        .collect();
    let key = match &header.kid {
        Some(kid) => rsa_keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid.as_str()))
            .copied()
            .ok_or_else(|| IdTokenError::UnknownKey(kid.clone()))?,
        None if rsa_keys.len() == 1 => rsa_keys[0],
        None => return Err(IdTokenError::UnknownKey("(none given)".into())),
    };
    let decode_part = |part: &Option<String>| {
        part.as_deref()
            .and_then(|p| B64URL.decode(p).ok())
            .ok_or(IdTokenError::UnknownKey(
                key.kid.clone().unwrap_or_default(),
            ))
    };
    let n = decode_part(&key.n)?;
    let e = decode_part(&key.e)?;
    let signing_input = &raw[..header_b64.len() + 1 + payload_b64.len()];
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &signature,
        )
        .map_err(|_| IdTokenError::BadSignature)?;

    let payload = B64URL
        .decode(payload_b64)
        .map_err(|_| IdTokenError::Malformed("unreadable claims"))?;
    let (claims, party): (IdTokenClaims, Party) = serde_json::from_slice(&payload)
        .ok()
        .zip(serde_json::from_slice(&payload).ok())
        .ok_or(IdTokenError::Malformed("unreadable claims"))?;
    if claims.iss != expected.issuer {
        return Err(IdTokenError::Issuer {
            got: claims.iss,
            want: expected.issuer.to_string(),
        });
    }
    if !claims.aud.iter().any(|a| a == expected.audience) {
        return Err(IdTokenError::Audience {
            got: claims.aud.join(", "),
        });
    }
    // OpenID Connect Core §3.1.3.7, items 4 and 5.
    let named_us = party.azp.as_deref() == Some(expected.audience);
    if (claims.aud.len() > 1 || party.azp.is_some()) && !named_us {
        return Err(IdTokenError::AuthorizedParty {
            got: party.azp.unwrap_or_else(|| "no azp".into()),
        });
    }
    let now = expected.now.timestamp();
    let at = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
    if claims.exp.saturating_add(LEEWAY_SECS) <= now {
        return Err(IdTokenError::Expired(at(claims.exp)));
    }
    if let Some(nbf) = claims.nbf {
        if nbf.saturating_sub(LEEWAY_SECS) > now {
            return Err(IdTokenError::NotYetValid(at(nbf)));
        }
    }
    if let Some(nonce) = expected.nonce {
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(IdTokenError::Nonce);
        }
    }
    Ok(claims)
}

/// Fetches the tenant's signing keys.
pub fn fetch_jwks(http: &Http, jwks_uri: &Url) -> Result<Jwks> {
    let response = http.send(&Request::new(
        SERVICE,
        reqwest::Method::GET,
        jwks_uri.clone(),
    ))?;
    if !response.is_success() {
        return Err(Error::service(format!(
            "fetching the tenant's signing keys failed: {SERVICE} answered HTTP {}",
            response.status
        )));
    }
    response.json(SERVICE)
}

/// Fetches the keys and checks `raw`; a failure is "not signed in" (exit 3).
pub fn check_id_token(
    http: &Http,
    jwks_uri: &Url,
    raw: Secret,
    expected: &Expected<'_>,
) -> Result<IdToken> {
    let jwks = fetch_jwks(http, jwks_uri)?;
    let claims = verify(raw.expose(), &jwks, expected).map_err(|err| {
        Error::auth(format!(
            "Microsoft sign-in failed: the ID token {SERVICE} returned was refused: {err}"
        ))
        .with_hint("sign in again; if it keeps failing, check the system clock and --authority-url")
    })?;
    Ok(IdToken { raw, claims })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    /// A 2048-bit RSA test key (PKCS#8 DER, base64), made for these tests only.
    const TEST_KEY_PKCS8: &str = include_str!("testdata/rsa2048.pk8.b64");
    /// Its modulus, base64url.
    const TEST_KEY_N: &str = include_str!("testdata/rsa2048.n.b64url");
    pub(crate) const KID: &str = "test-key-1";

    pub(crate) fn jwks() -> Jwks {
        serde_json::from_value(jwks_json()).unwrap()
    }

    pub(crate) fn jwks_json() -> serde_json::Value {
        serde_json::json!({"keys": [
            {"kty": "RSA", "use": "sig", "kid": "other", "n": TEST_KEY_N.trim(), "e": "AQAB"},
            {"kty": "RSA", "use": "sig", "kid": KID, "n": TEST_KEY_N.trim(), "e": "AQAB"},
        ]})
    }

    /// A token signed with the test key.
    pub(crate) fn sign(header: serde_json::Value, claims: serde_json::Value) -> String {
        let der = STANDARD
            .decode(TEST_KEY_PKCS8.trim().replace('\n', ""))
            .unwrap();
        let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    pub(crate) const ISS: &str =
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
    pub(crate) const NOW: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

    pub(crate) fn claims(aud: &str, nonce: Option<&str>) -> serde_json::Value {
        let mut c = serde_json::json!({
            "iss": ISS,
            "aud": aud,
            "sub": "subject",
            "exp": NOW + 3600,
            "nbf": NOW - 10,
            "iat": NOW - 10,
            "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "oid": "00000000-0000-0000-0000-0000000000aa",
            "preferred_username": "admin@contoso.com",
        });
        if let Some(n) = nonce {
            c["nonce"] = n.into();
        }
        c
    }

    fn header() -> serde_json::Value {
        serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": KID})
    }

    fn expected(nonce: Option<&'static str>) -> Expected<'static> {
        Expected {
            issuer: ISS,
            audience: "client-1",
            nonce,
            now: DateTime::from_timestamp(NOW, 0).unwrap(),
        }
    }

    #[test]
    fn a_good_token_passes() {
        let token = sign(header(), claims("client-1", Some("n1")));
        let c = verify(&token, &jwks(), &expected(Some("n1"))).unwrap();
        assert_eq!(c.preferred_username.as_deref(), Some("admin@contoso.com"));
        // Without an expected nonce (device code, refresh) the nonce is not looked at.
        verify(&token, &jwks(), &expected(None)).unwrap();
        // A list audience is read too, with the authorized party naming us.
        let mut list = claims("x", None);
        list["aud"] = serde_json::json!(["other", "client-1"]);
        list["azp"] = "client-1".into();
        verify(&sign(header(), list), &jwks(), &expected(None)).unwrap();
    }

    #[test]
    fn several_audiences_need_us_as_the_authorized_party() {
        let mut none = claims("x", None);
        none["aud"] = serde_json::json!(["other", "client-1"]);
        let mut other = none.clone();
        other["azp"] = "other".into();
        let mut single_other = claims("client-1", None);
        single_other["azp"] = "other".into();
        for (token, got) in [(none, "no azp"), (other, "other"), (single_other, "other")] {
            assert_eq!(
                verify(&sign(header(), token), &jwks(), &expected(None)).unwrap_err(),
                IdTokenError::AuthorizedParty { got: got.into() }
            );
        }
    }

    #[test]
    fn extreme_times_are_compared_without_overflow() {
        let mut far = claims("client-1", None);
        far["exp"] = i64::MAX.into();
        far["nbf"] = i64::MIN.into();
        verify(&sign(header(), far), &jwks(), &expected(None)).unwrap();
        let mut past = claims("client-1", None);
        past["exp"] = i64::MIN.into();
        assert!(matches!(
            verify(&sign(header(), past), &jwks(), &expected(None)),
            Err(IdTokenError::Expired(_))
        ));
        let mut future = claims("client-1", None);
        future["nbf"] = i64::MAX.into();
        assert!(matches!(
            verify(&sign(header(), future), &jwks(), &expected(None)),
            Err(IdTokenError::NotYetValid(_))
        ));
    }

    #[test]
    fn each_bad_token_is_refused_for_its_reason() {
        let good = sign(header(), claims("client-1", Some("n1")));
        // Bad signature: the payload changed after signing.
        let parts: Vec<&str> = good.split('.').collect();
        let mut forged_claims = claims("client-1", Some("n1"));
        forged_claims["preferred_username"] = "mallory@contoso.com".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(forged_claims.to_string()),
            parts[2]
        );
        let mut late = claims("client-1", Some("n1"));
        late["exp"] = (NOW - LEEWAY_SECS - 1).into();
        let mut skewed = claims("client-1", Some("n1"));
        skewed["exp"] = (NOW - 60).into(); // within the leeway: accepted
        let mut early = claims("client-1", Some("n1"));
        early["nbf"] = (NOW + LEEWAY_SECS + 60).into();
        let mut wrong_iss = claims("client-1", Some("n1"));
        wrong_iss["iss"] = "https://login.microsoftonline.com/other/v2.0".into();
        let cases: Vec<(String, IdTokenError)> = vec![
            (forged, IdTokenError::BadSignature),
            (
                sign(header(), claims("another-client", Some("n1"))),
                IdTokenError::Audience {
                    got: "another-client".into(),
                },
            ),
            (
                sign(header(), wrong_iss),
                IdTokenError::Issuer {
                    got: "https://login.microsoftonline.com/other/v2.0".into(),
                    want: ISS.into(),
                },
            ),
            (
                sign(header(), claims("client-1", Some("other"))),
                IdTokenError::Nonce,
            ),
            (
                sign(header(), claims("client-1", None)),
                IdTokenError::Nonce,
            ),
            (
                sign(header(), late),
                IdTokenError::Expired(DateTime::from_timestamp(NOW - LEEWAY_SECS - 1, 0).unwrap()),
            ),
            (
                sign(header(), early),
                IdTokenError::NotYetValid(
                    DateTime::from_timestamp(NOW + LEEWAY_SECS + 60, 0).unwrap(),
                ),
            ),
            (
                sign(
                    serde_json::json!({"alg": "HS256", "kid": KID}),
                    claims("client-1", Some("n1")),
                ),
                IdTokenError::Algorithm("HS256".into()),
            ),
            (
                format!(
                    "{}.{}.",
                    URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
                    URL_SAFE_NO_PAD.encode(claims("client-1", Some("n1")).to_string())
                ),
                IdTokenError::Algorithm("none".into()),
            ),
            (
                sign(
                    serde_json::json!({"alg": "RS256", "kid": "rotated"}),
                    claims("client-1", Some("n1")),
                ),
                IdTokenError::UnknownKey("rotated".into()),
            ),
            (
                "not-a-jwt".into(),
                IdTokenError::Malformed("it does not have three parts"),
            ),
        ];
        for (token, want) in cases {
            assert_eq!(
                verify(&token, &jwks(), &expected(Some("n1"))),
                Err(want.clone())
            );
            // The reason never quotes the token.
            assert!(!want.to_string().contains(&token));
        }
        verify(&sign(header(), skewed), &jwks(), &expected(Some("n1"))).unwrap();
    }
}
