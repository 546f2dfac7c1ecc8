//! The request log: each request as a service received it, secrets replaced by a short hash.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One request as a service received it, secrets hashed (see [`hash_secret`]).
#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    /// `gitpod`, `entra`, `graph` or `ado`.
    pub service: String,
    pub method: String,
    pub path: String,
    /// The query string with secret parameters hashed; empty when there was none.
    pub query: String,
    /// Lower-case names; only the headers a test may care about.
    pub headers: BTreeMap<String, String>,
    /// JSON or form body (as a JSON object), secrets hashed; `None` when empty or neither.
    pub body: Option<Value>,
    /// Status answered; `None` when the connection was reset by a fault.
    pub status: Option<u16>,
    /// The fault applied to this request, if any (e.g. `status 503`, `status_after 503`,
    /// `delay 200ms`, `reset`, `reset_after`).
    pub fault: Option<String>,
    /// Milliseconds since the sandbox started (monotonic) when the request arrived and when its
    /// answer (or reset) was ready: two requests overlap when their intervals do, so a test can
    /// find the longest chain of requests a client made one after the other.
    pub started_ms: u64,
    pub finished_ms: u64,
}

/// The longest chain of requests in which each started only after the one before it had
/// finished: the round trips a client made one after the other, however many it made at once.
pub fn longest_chain(requests: &[LoggedRequest]) -> usize {
    let mut sorted: Vec<&LoggedRequest> = requests.iter().collect();
    sorted.sort_by_key(|r| r.started_ms);
    let mut chain = vec![1usize; sorted.len()];
    for i in 0..sorted.len() {
        for j in 0..i {
            if sorted[j].finished_ms <= sorted[i].started_ms {
                chain[i] = chain[i].max(chain[j] + 1);
            }
        }
    }
    chain.into_iter().max().unwrap_or(0)
}

/// `sha256:` and the first 16 hex digits of the SHA-256 of `secret`: enough to tell which secret
/// was sent, useless to anyone reading a log.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Field names (JSON bodies, form bodies, query parameters) whose string values are secrets.
#[rustfmt::skip]
const SECRET_FIELDS: &[&str] = &[
    "token", "secret", "password", "clientsecret", "oauthplaintextclientsecret",
    "oauthencryptedclientsecret", "encryptedclientsecret", "refreshtoken", "client_secret",
    "code", "code_verifier", "refresh_token", "access_token", "id_token", "device_code",
    "secrettext", "pat", "assertion", "client_assertion", "apikey", "api_key",
];

pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name.to_ascii_lowercase().as_str())
}

/// Replaces every string under a secret field name with its hash, at any depth. Non-string
/// values stay (`"pat": true` on a Gitpod integration is a flag, not a token).
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if is_secret_field(key) => *s = hash_secret(s),
                    _ => redact_json(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Parses `a=1&b=2` into a JSON object (last value wins), secrets hashed.
pub fn redact_form(form: &[u8]) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in form_urlencoded::parse(form) {
        let value = if is_secret_field(&key) {
            hash_secret(&value)
        } else {
            value.into_owned()
        };
        map.insert(key.into_owned(), Value::String(value));
    }
    Value::Object(map)
}

/// The query string with secret parameters hashed.
pub fn redact_query(query: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if is_secret_field(&key) {
            out.append_pair(&key, &hash_secret(&value));
        } else {
            out.append_pair(&key, &value);
        }
    }
    out.finish()
}

/// An `Authorization` value with its credential hashed: `Bearer sha256:…`; for `Basic`, the
/// user name stays and the password is hashed: `Basic :sha256:…` for an Azure DevOps PAT sent
/// as `base64(":" + PAT)`, so `hash_secret(PAT)` finds it.
pub fn redact_authorization(value: &str) -> String {
    use base64::Engine as _;
    let (scheme, credential) = value.split_once(' ').unwrap_or(("", value));
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credential.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            return format!("{scheme} {user}:{}", hash_secret(password));
        }
    }
    if scheme.is_empty() {
        return hash_secret(credential);
    }
    format!("{scheme} {}", hash_secret(credential.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_is_prefixed_and_short() {
        let h = hash_secret("abc");
        assert_eq!(h, "sha256:ba7816bf8f01cfea");
    }

    #[test]
    fn json_secrets_are_hashed_at_any_depth_but_flags_stay() {
        let mut v = json!({"pat": true, "oauthPlaintextClientSecret": "s3", "nested": [{"token": "t"}], "host": "h"});
        redact_json(&mut v);
        assert_eq!(v["pat"], json!(true));
        assert_eq!(v["oauthPlaintextClientSecret"], json!(hash_secret("s3")));
        assert_eq!(v["nested"][0]["token"], json!(hash_secret("t")));
        assert_eq!(v["host"], json!("h"));
    }

    #[test]
    fn basic_authorization_keeps_user_and_hashes_password() {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::STANDARD.encode(":mypat");
        assert_eq!(
            redact_authorization(&format!("Basic {b}")),
            format!("Basic :{}", hash_secret("mypat"))
        );
        assert_eq!(
            redact_authorization("Bearer xyz"),
            format!("Bearer {}", hash_secret("xyz"))
        );
    }

    #[test]
    fn query_and_form_secrets_are_hashed() {
        assert_eq!(
            redact_query("code=abc&state=s"),
            format!("code={}&state=s", hash_secret("abc").replace(':', "%3A"))
        );
        let f = redact_form(b"grant_type=client_credentials&client_secret=x");
        assert_eq!(f["client_secret"], json!(hash_secret("x")));
        assert_eq!(f["grant_type"], json!("client_credentials"));
    }
}
