//! A small blocking client for the sandbox's services.

use ado_scm_sandbox::{seed, Sandbox};
use base64::Engine as _;
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

pub struct Env {
    pub sb: Sandbox,
    pub http: Client,
}

impl Env {
    pub fn start() -> Env {
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("http client");
        Env {
            sb: Sandbox::start(),
            http,
        }
    }

    /// A Connect call as `key`; returns status and JSON body (`null` when the body is not JSON).
    pub fn rpc(&self, key: &str, method: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/gitpod.v1.{method}", self.sb.gitpod_url()))
            .bearer_auth(key)
            .header("Content-Type", "application/json")
            .header("Connect-Protocol-Version", "1")
            .body(body.to_string())
            .send()
            .expect("send");
        status_json(response)
    }

    /// A Connect call as Alice that must succeed.
    pub fn alice(&self, method: &str, body: Value) -> Value {
        let (status, value) = self.rpc(seed::ALICE_API_KEY, method, body);
        assert_eq!(status, 200, "{method}: {value}");
        value
    }

    pub fn ado_get(&self, path: &str, pat: Option<&str>, suppress: bool) -> Response {
        let mut request = self
            .http
            .get(format!("{}{path}", self.sb.ado_url()))
            .header("Accept", "application/json");
        if let Some(pat) = pat {
            request = request.header("Authorization", basic(pat));
        }
        if suppress {
            request = request.header("X-TFS-FedAuthRedirect", "Suppress");
        }
        request.send().expect("send")
    }

    /// The ready runner's public key, as a client reads it from GetRunner.
    pub fn public_key(&self, runner_id: &str) -> crypto_box::PublicKey {
        let runner = self.alice("RunnerService/GetRunner", json!({"runnerId": runner_id}));
        let b64 = runner["runner"]["status"]["publicKey"]
            .as_str()
            .expect("runner has a public key");
        let bytes: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64")
            .try_into()
            .expect("32 bytes");
        crypto_box::PublicKey::from(bytes)
    }
}

pub fn status_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn basic(pat: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"))
    )
}

/// Seals `secret` to `key` as ado-scm does (libsodium sealed box), base64.
pub fn seal(key: &crypto_box::PublicKey, secret: &str) -> String {
    let sealed = key
        .seal(&mut rand_core::OsRng, secret.as_bytes())
        .expect("seal");
    base64::engine::general_purpose::STANDARD.encode(sealed)
}

/// Asserts a Connect error.
pub fn assert_connect_error(result: (u16, Value), status: u16, code: &str) -> String {
    let (got_status, body) = result;
    assert_eq!(got_status, status, "{body}");
    assert_eq!(body["code"], json!(code), "{body}");
    body["message"].as_str().unwrap_or("").to_string()
}

pub fn issuer(env: &Env) -> String {
    format!("{}/{}/oauth2/v2.0", env.sb.authority_url(), seed::TENANT_ID)
}
