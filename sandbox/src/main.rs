//! `cargo run -p ado-scm-sandbox [-- --port-base N] [--realistic]`: the four stand-ins on loopback, for trying
//! ado-scm with no account anywhere. Prints the environment to use on stdout (so it can be
//! copied or captured), a note on the seeded data on stderr, and serves until Ctrl-C.

use ado_scm_sandbox::{seed, Realism, Sandbox};
use clap::Parser;

/// Starts local stand-ins of the Gitpod API, Microsoft Entra ID, Microsoft Graph and Azure
/// DevOps on 127.0.0.1.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Listen on N, N+1, N+2, N+3 (otherwise on free ports).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=65532))]
    port_base: Option<u16>,
    /// Lag behind writes as the real services do: new apps, secrets and service principals take
    /// a few tries to show up, and Gitpod's reads lag its writes.
    #[arg(long)]
    realistic: bool,
}

fn main() {
    let args = Args::parse();
    let ports = args.port_base.map_or([0; 4], |n| [n, n + 1, n + 2, n + 3]);
    let realistic = args.realistic;
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
