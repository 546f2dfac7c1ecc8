//! No secret leaks, in any form it can take on its way out, from any command, at `-v` and `-vv`:
//! not on stdout, not on stderr (where the request log goes), not in any file under HOME (the
//! config directory) other than the credentials file that holds a Gitpod token on purpose.
//!
//! A secret rarely leaks as itself: Azure DevOps gets `Authorization: Basic base64(":" + PAT)`,
//! forms and URLs carry it percent-encoded, JSON escapes it. [`forms`] lists each shape.

use std::path::Path;

use ado_scm_sandbox::seed;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::engine::{Engine, GeneralPurpose};

use crate::login_oauth::auth_url;
use crate::setup::{open_sealed, setup};
use crate::support::{text, TestEnv, LOGIN_PAT_ARGS};

/// Every shape `secret` can take in text, named: itself, percent-encoded (as a form or query
/// value, either hex case), inside a JSON string, the `Authorization: Basic` value of a PAT, and
/// base64 (standard and URL-safe) at each of the three alignments it can have inside a longer
/// base64 text (only the characters that depend on the secret alone, so that any prefix counts).
pub fn forms(secret: &str) -> Vec<(String, String)> {
    let mut forms = vec![("plain".to_string(), secret.to_string())];
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    forms.push(("percent-encoded".into(), encoded.clone()));
    forms.push((
        "percent-encoded, lower-case hex".into(),
        lower_hex_escapes(&encoded),
    ));
    let json = serde_json::to_string(secret).unwrap();
    forms.push((
        "in a JSON string".into(),
        json[1..json.len() - 1].to_string(),
    ));
    forms.push((
        "Basic authorization".into(),
        format!("Basic {}", STANDARD.encode(format!(":{secret}"))),
    ));
    for (alphabet, engine) in [("base64", STANDARD_NO_PAD), ("base64url", URL_SAFE_NO_PAD)] {
        for offset in 0..3 {
            forms.push((
                format!("{alphabet} at offset {offset}"),
                base64_core(&engine, secret.as_bytes(), offset),
            ));
        }
    }
    forms.sort_by(|a, b| a.1.cmp(&b.1));
    forms.dedup_by(|a, b| a.1 == b.1);
    forms
}

/// `%2F` → `%2f`: some encoders write lower-case hex.
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::new();
    let mut rest = encoded;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&escape.to_ascii_lowercase());
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

/// The base64 characters of `offset` unknown bytes followed by `secret` that depend on the
/// secret's bytes only: character i covers bits 6i..6i+6, the secret bits 8·offset..8·(offset+n).
fn base64_core(engine: &GeneralPurpose, secret: &[u8], offset: usize) -> String {
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(secret);
    let encoded = engine.encode(&bytes);
    let start = (8 * offset).div_ceil(6);
    let end = 8 * bytes.len() / 6;
    encoded[start..end].to_string()
}

/// Everything a sequence of runs showed: what each printed, and each file under HOME after it.
struct Seen<'a> {
    env: &'a TestEnv,
    verbosity: &'static str,
    /// (where, text): stdout and stderr of each run, each file after each run.
    places: Vec<(String, String)>,
}

impl Seen<'_> {
    /// Runs `cmd args…` with the verbosity and `stdin`, checks it exits with `code`, and keeps
    /// what it printed and what the files under HOME hold afterwards.
    fn run(&mut self, mut cmd: assert_cmd::Command, args: &[&str], stdin: &str, code: i32) {
        let out = cmd
            .arg(self.verbosity)
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        let what = format!("ado-scm {} {}", self.verbosity, args.join(" "));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "{what}:\n{stderr}");
        // The search below looks at a real request log: this run logged its requests.
        if !args.contains(&"--gitpod") {
            assert!(
                stderr.contains(" → "),
                "{what} logged no request:\n{stderr}"
            );
        }
        let (found, credentials) = files(self.env.home.path());
        for (path, content) in found {
            self.places
                .push((format!("{path} after `{what}`"), content));
        }
        // The credentials file may hold a Gitpod token (on purpose), and nothing else secret.
        let other_lines: Vec<&str> = credentials
            .lines()
            .filter(|l| !l.contains(seed::ALICE_API_KEY) && !l.contains(seed::BOB_API_KEY))
            .collect();
        self.places.push((
            format!("credentials.toml after `{what}`"),
            other_lines.join("\n"),
        ));
        self.places.push((format!("stdout of `{what}`"), stdout));
        self.places.push((format!("stderr of `{what}`"), stderr));
    }
}

/// Every file under `dir`, by path, as text; and apart, the credentials file's text.
fn files(dir: &Path) -> (Vec<(String, String)>, String) {
    let mut found = Vec::new();
    let mut credentials = String::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "credentials.toml") {
                credentials = text(&std::fs::read(&path).unwrap());
            } else {
                let content = text(&std::fs::read(&path).unwrap());
                found.push((path.display().to_string(), content));
            }
        }
    }
    (found, credentials)
}

/// Fails naming the secret, the form and the place, never showing the secret itself.
fn assert_absent(secrets: &[(&str, String)], places: &[(String, String)]) {
    for (name, secret) in secrets {
        for (form, shape) in forms(secret) {
            for (place, text) in places {
                assert!(
                    !text.contains(&shape),
                    "the {name} leaked ({form}) into {place}"
                );
            }
        }
    }
}

/// The client secret the fresh runner's integration holds now, opened with the runner's key.
fn fresh_runner_secret(env: &TestEnv) -> String {
    let integration = &env.integrations_of(seed::RUNNER_FRESH_ID)[0];
    open_sealed(
        seed::RUNNER_FRESH_SECRET_KEY_B64,
        integration["oauth"]["encryptedClientSecret"]
            .as_str()
            .unwrap(),
    )
}

const SEALED_BY_HAND: &str = "a-secret-sealed-by-hand-0123456789";

#[test]
fn no_secret_leaks_in_any_form_from_any_command_at_any_verbosity() {
    for verbosity in ["-v", "-vv"] {
        let env = TestEnv::new();
        let token = env.admin_graph_token();
        let mut seen = Seen {
            env: &env,
            verbosity,
            places: Vec::new(),
        };
        let ready = ["--runner", seed::RUNNER_READY_ID, "--host", "dev.azure.com"];
        let with = |first: &[&'static str], rest: &[&'static str]| [first, rest].concat();

        // A developer: sign in with a PAT, then OAuth (the consent already given in the
        // browser), look, test, sign out.
        seen.run(
            env.cmd(),
            &with(&LOGIN_PAT_ARGS, &["--with-token"]),
            seed::PAT_VALID,
            0,
        );
        let consent = reqwest::blocking::get(auth_url(&env, "dev.azure.com")).unwrap();
        assert!(consent.status().is_success());
        let oauth = with(&["login", "oauth", "--timeout", "5"], &ready);
        seen.run(env.cmd(), &oauth, "", 0);
        seen.run(env.cmd(), &["status"], "", 3);
        seen.run(
            env.cmd(),
            &with(&["test", "--non-interactive"], &ready),
            "",
            0,
        );
        seen.run(env.cmd(), &with(&["logout"], &ready), "", 0);

        // An admin: setup mints a client secret, then rotates it; a dry run brings an app's own
        // secret; the steps on their own.
        let mut minted = Vec::new();
        seen.run(setup(&env, &token, &[]), &[], "", 0);
        minted.push(fresh_runner_secret(&env));
        seen.run(setup(&env, &token, &[]), &["--rotate-secret"], "", 0);
        minted.push(fresh_runner_secret(&env));
        assert_ne!(minted[0], minted[1], "the rotation minted a new secret");
        let given = [
            "--dry-run",
            "--client-id",
            seed::SEEDED_APP_CLIENT_ID,
            "--client-secret-stdin",
        ];
        seen.run(setup(&env, &token, &[]), &given, seed::SEEDED_APP_SECRET, 0);
        let fresh = ["--runner", seed::RUNNER_FRESH_ID];
        seen.run(
            env.cmd(),
            &with(&["test", "--non-interactive"], &fresh),
            "",
            0,
        );
        seen.run(
            env.cmd(),
            &with(&["secret", "seal"], &fresh),
            SEALED_BY_HAND,
            0,
        );

        // A Gitpod token from stdin is stored (on purpose), used, then forgotten.
        let from_stdin = [
            "--gitpod-token-stdin",
            "status",
            "--runner",
            seed::RUNNER_READY_ID,
        ];
        seen.run(env.bare_cmd(), &from_stdin, seed::BOB_API_KEY, 3);
        seen.run(env.bare_cmd(), &["logout", "--gitpod"], "", 0);
        let (_, credentials) = files(env.home.path());
        assert!(
            !credentials.contains(seed::BOB_API_KEY),
            "logout --gitpod forgot it"
        );

        let secrets = [
            ("PAT", seed::PAT_VALID.to_string()),
            ("Gitpod token (Alice)", seed::ALICE_API_KEY.to_string()),
            ("Gitpod token (Bob)", seed::BOB_API_KEY.to_string()),
            ("Graph token", token.clone()),
            ("minted client secret", minted[0].clone()),
            ("rotated client secret", minted[1].clone()),
            ("admin's client secret", seed::SEEDED_APP_SECRET.to_string()),
            ("secret sealed by hand", SEALED_BY_HAND.to_string()),
        ];
        assert_absent(&secrets, &seen.places);
    }
}

#[test]
fn every_form_is_found_where_it_would_leak() {
    let pat = seed::PAT_VALID;
    let basic = format!(
        "authorization: Basic {}",
        STANDARD.encode(format!(":{pat}"))
    );
    let secret = "a~b/c+d e\"f";
    for leak in [
        basic,
        format!(
            "token={}",
            url::form_urlencoded::byte_serialize(pat.as_bytes()).collect::<String>()
        ),
        format!("{{\"t\":{}}}", serde_json::to_string(secret).unwrap()),
        format!("x={}", STANDARD.encode(format!("user:{secret}!"))),
        format!("x={}", URL_SAFE_NO_PAD.encode(format!("ab{secret}"))),
        "c=a%7eb%2fc%2bd+e%22f".to_string(),
    ] {
        let found = [pat, secret]
            .iter()
            .any(|s| forms(s).iter().any(|(_, shape)| leak.contains(shape)));
        assert!(found, "no form finds the secret in {leak}");
    }
}
