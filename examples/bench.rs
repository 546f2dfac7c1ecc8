//! The network figures of `scripts/bench` (not a test: it prints, it does not judge): for each
//! command, against a sandbox with latency added to every request, the number of requests, the
//! longest chain of requests made one after the other (the round trips a person waits for),
//! and the wall time.
//!
//! `cargo run --release --example bench -- target/release/ado-scm`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ado_scm_sandbox::{longest_chain, seed, Sandbox};

/// One command of one scenario, run against a sandbox.
struct Measure {
    requests: usize,
    chain: usize,
    wall: Duration,
}

fn main() {
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/ado-scm".to_string());
    let home = tempfile::tempdir().expect("a temporary HOME");
    println!(
        "{:<44} {:>8} {:>13} {:>7} {:>11} {:>11}",
        "command", "requests", "round trips", "target", "@20 ms", "@100 ms"
    );
    let rows: [(&str, usize, Scenario); 6] = [
        ("setup (new app, new integration)", 7, Scenario::SetupNew),
        ("setup again (nothing to change)", 3, Scenario::SetupAgain),
        ("login pat --with-token", 3, Scenario::LoginPat),
        ("status (32 runners)", 3, Scenario::Status(29)),
        ("status (100 runners)", 3, Scenario::Status(97)),
        (
            "apply -f (10 runners, 4 at a time)",
            25,
            Scenario::Apply(10),
        ),
    ];
    // The wall time at 20 ms of a new setup and of apply: apply of ten runners should take
    // about as long as three setups (four at a time), not ten.
    let (mut setup_wall, mut apply_wall) = (None, None);
    for (name, target, scenario) in rows {
        let fast = scenario.measure(&bin, home.path(), 20);
        let slow = scenario.measure(&bin, home.path(), 100);
        let (Some(fast), Some(slow)) = (fast, slow) else {
            println!("{name:<44} (not measured: the command failed or does not exist)");
            continue;
        };
        match scenario {
            Scenario::SetupNew => setup_wall = Some(fast.wall),
            Scenario::Apply(_) => apply_wall = Some(fast.wall),
            _ => {}
        }
        let target = format!("≤ {target}");
        println!(
            "{name:<44} {:>8} {:>13} {:>7} {:>8} ms {:>8} ms",
            fast.requests,
            slow.chain,
            target,
            fast.wall.as_millis(),
            slow.wall.as_millis()
        );
    }
    if let (Some(setup), Some(apply)) = (setup_wall, apply_wall) {
        println!(
            "apply of 10 runners at 20 ms per request: the time of {:.1} new setups (target: \
             about 3, not 10)",
            apply.as_secs_f64() / setup.as_secs_f64()
        );
    }
}

#[derive(Clone, Copy)]
enum Scenario {
    SetupNew,
    SetupAgain,
    LoginPat,
    /// `status` with this many runners added to the seeded three.
    Status(usize),
    /// `apply -f` of a file naming this many runners.
    Apply(usize),
}

impl Scenario {
    /// Runs the scenario on a fresh sandbox with `latency_ms` on every request; `None` when
    /// the command failed.
    fn measure(self, bin: &str, home: &std::path::Path, latency_ms: u64) -> Option<Measure> {
        let sandbox = Sandbox::start();
        let config = tempfile::tempdir_in(home).ok()?;
        let run = |args: &[&str], stdin: Option<&str>, token: Option<&str>| {
            let mut cmd = Command::new(bin);
            cmd.env_clear()
                .envs(sandbox.env())
                .env("HOME", config.path())
                .env("XDG_CONFIG_HOME", config.path().join("config"))
                .env("ADO_SCM_STORE", "file")
                .env("ADO_SCM_NO_BROWSER", "1")
                .env("GITPOD_API_KEY", seed::ALICE_API_KEY)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some(token) = token {
                cmd.env("ADO_SCM_GRAPH_TOKEN", token);
            }
            cmd.stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
            let mut child = cmd.spawn().ok()?;
            if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
                use std::io::Write;
                let _ = pipe.write_all(text.as_bytes());
            }
            child.wait().ok().filter(|s| s.success()).map(|_| ())
        };
        let setup = ado_scm_test_support::SETUP_FRESH_ARGS;
        let token = ado_scm_test_support::admin_graph_token(&sandbox);
        let mut file = None;
        match self {
            Scenario::SetupAgain => run(&setup, None, Some(&token))?,
            Scenario::Status(n) => {
                sandbox.add_ready_runners(n, true);
            }
            Scenario::Apply(n) => {
                let ids = sandbox.add_ready_runners(n, false);
                let path = config.path().join("fleet.toml");
                let mut text = format!("[defaults]\norg = \"{}\"\n", seed::ADO_ORG);
                for id in ids {
                    text.push_str(&format!("\n[[integration]]\nrunner = \"{id}\"\n"));
                }
                std::fs::write(&path, text).ok()?;
                file = Some(path.display().to_string());
            }
            _ => {}
        }
        let before = sandbox.requests().len();
        sandbox.set_latency_ms(latency_ms);
        let started = Instant::now();
        match self {
            Scenario::SetupNew | Scenario::SetupAgain => run(&setup, None, Some(&token))?,
            Scenario::LoginPat => run(
                &[&ado_scm_test_support::LOGIN_PAT_ARGS[..], &["--with-token"]].concat(),
                Some(seed::PAT_VALID),
                None,
            )?,
            Scenario::Status(_) => {
                // Exit 3 (not every host signed in) is a normal answer here.
                let _ = run(&["status", "--json"], None, None);
            }
            Scenario::Apply(_) => run(
                &[
                    "apply",
                    "-f",
                    file.as_deref()?,
                    "--yes",
                    "--non-interactive",
                ],
                None,
                Some(&token),
            )?,
        }
        let wall = started.elapsed();
        sandbox.set_latency_ms(0);
        let requests: Vec<_> = sandbox.requests().into_iter().skip(before).collect();
        Some(Measure {
            requests: requests.len(),
            chain: longest_chain(&requests),
            wall,
        })
    }
}
