//! `cargo run -p ado-scm-sandbox [-- --port-base N]`: the four stand-ins on loopback, for trying
//! ado-scm with no account anywhere. Prints the environment to use on stdout (so it can be
//! copied or captured), a note on the seeded data on stderr, and serves until Ctrl-C.

use ado_scm_sandbox::{seed, Realism, Sandbox};

const USAGE: &str = "usage: ado-scm-sandbox [--port-base N] [--realistic]

Starts local stand-ins of the Gitpod API, Microsoft Entra ID, Microsoft Graph and Azure DevOps
on 127.0.0.1. With --port-base N they listen on N, N+1, N+2, N+3; otherwise on free ports.
With --realistic they lag behind their own writes as the real services do (new apps, secrets
and service principals take a few tries to show up; Gitpod's reads lag its writes).";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    ports: [u16; 4],
    realistic: bool,
}

fn main() {
    let Args { ports, realistic } = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sandbox = match Sandbox::start_on(ports) {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1 ports {ports:?}: {e}");
            std::process::exit(1);
        }
    };
    if realistic {
        sandbox.set_realism(Realism::typical());
        eprintln!("Realism on: {:?}", Realism::typical());
    }
    for (name, value) in sandbox.env() {
        println!("export {name}={value}");
    }
    println!("export GITPOD_API_KEY={}", seed::ALICE_API_KEY);
    eprintln!(
        "ado-scm sandbox running (Ctrl-C to stop).\n\
         Gitpod: you are Alice (admin); Bob's key is {bob}.\n\
         Runners: {ready} ({ready_id}, Azure DevOps integrations set up), \
         {fresh} ({fresh_id}, nothing set up yet), {unreg} ({unreg_id}, never registered).\n\
         Azure DevOps: organization '{org}' (Entra tenant {tenant}), '{lonely}' (no tenant), \
         Server collection {server}{collection}.\n\
         A valid PAT: {pat}\n\
         State: GET {gitpod_root}/_sandbox/state (requests: /_sandbox/requests)",
        bob = seed::BOB_API_KEY,
        ready = seed::RUNNER_READY_NAME,
        ready_id = seed::RUNNER_READY_ID,
        fresh = seed::RUNNER_FRESH_NAME,
        fresh_id = seed::RUNNER_FRESH_ID,
        unreg = seed::RUNNER_UNREGISTERED_NAME,
        unreg_id = seed::RUNNER_UNREGISTERED_ID,
        org = seed::ADO_ORG,
        tenant = seed::TENANT_ID,
        lonely = seed::ADO_ORG_UNCONNECTED,
        server = sandbox.ado_url(),
        collection = seed::ADO_SERVER_COLLECTION_PATH,
        pat = seed::PAT_VALID,
        gitpod_root = sandbox.urls().gitpod_root(),
    );
    if let Err(e) = sandbox.wait_for_ctrl_c() {
        eprintln!("error: waiting for Ctrl-C: {e}");
        std::process::exit(1);
    }
}

/// `Ok(None)` asks for the usage text.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut ports = [0; 4];
    let mut realistic = false;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--realistic" => {
                realistic = true;
                continue;
            }
            "--port-base" => args.next().ok_or("--port-base needs a port number")?,
            other => match other.strip_prefix("--port-base=") {
                Some(v) => v.to_string(),
                None => return Err(format!("unexpected argument {other:?}")),
            },
        };
        let base: u16 = value
            .parse()
            .ok()
            .filter(|b| *b > 0 && *b <= u16::MAX - 3)
            .ok_or_else(|| {
                format!(
                    "--port-base takes a port from 1 to {}, not {value:?}",
                    u16::MAX - 3
                )
            })?;
        ports = [base, base + 1, base + 2, base + 3];
    }
    Ok(Some(Args { ports, realistic }))
}
