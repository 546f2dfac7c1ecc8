//! What `login pat` and `logout` must leave alone on the runner: your tokens for other hosts and
//! other kinds of SCM (GitHub, GitLab), and anyone else's tokens. Checked in what the Gitpod
//! stand-in holds afterwards, token by token, and in the requests it received.

use ado_scm_sandbox::{seed, Fault, FaultKind};
use serde_json::{json, Value};

use crate::support::local_server::{Answer, LocalServer};
use crate::support::{gitpod_rpc, stdout_json, text, TestEnv, LOGIN_PAT_ARGS};

const SOURCE_PAT: &str = "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT";
const SOURCE_OAUTH: &str = "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH";

/// The ids of every host token the Gitpod stand-in holds, sorted.
fn token_ids(env: &TestEnv) -> Vec<String> {
    let mut ids: Vec<String> = env
        .all_host_tokens()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn without(ids: &[String], gone: &[&String]) -> Vec<String> {
    ids.iter()
        .filter(|id| !gone.contains(id))
        .cloned()
        .collect()
}

/// The id of Alice's PAT for `host` (she holds one at most).
fn alices_pat_for(env: &TestEnv, host: &str) -> String {
    let tokens: Vec<Value> = env
        .host_tokens()
        .into_iter()
        .filter(|t| t["host"] == host && t["source"] == SOURCE_PAT)
        .collect();
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
    tokens[0]["id"].as_str().unwrap().to_string()
}

/// A GitLab integration on the ready runner, made by Alice (an admin) through the API.
fn add_gitlab_integration(env: &TestEnv) {
    env.gitpod_rpc(
        seed::ALICE_API_KEY,
        "gitpod.v1.RunnerConfigurationService/CreateSCMIntegration",
        json!({
            "runnerId": seed::RUNNER_READY_ID,
            "scmId": "gitlab",
            "host": "gitlab.com",
            "pat": true,
        }),
    );
}

#[test]
fn login_pat_replaces_only_your_pat_for_that_host() {
    let env = TestEnv::new();
    env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
        .success();
    let server = alices_pat_for(&env, seed::ADO_SERVER_HOST);
    env.give_host_token(
        seed::ALICE_API_KEY,
        seed::ALICE_USER_ID,
        "github.com",
        SOURCE_PAT,
    );
    env.login_pat_for("dev.azure.com", seed::ADO_ORG).success();
    let first = alices_pat_for(&env, "dev.azure.com");
    // Her OAuth sign-in for the same host is another credential, not an older PAT.
    let oauth = env.give_host_token(
        seed::ALICE_API_KEY,
        seed::ALICE_USER_ID,
        "dev.azure.com",
        SOURCE_OAUTH,
    );
    let before = token_ids(&env);
    assert!(before.contains(&seed::BOB_HOST_TOKEN_ID.to_string()));

    // Again for dev.azure.com: the earlier dev.azure.com PAT goes, and nothing else.
    let out = env
        .cmd()
        .args(LOGIN_PAT_ARGS)
        .args(["--with-token", "--json"])
        .write_stdin(seed::PAT_VALID)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let second = alices_pat_for(&env, "dev.azure.com");
    assert_ne!(second, first);
    let mut expected = without(&before, &[&first]);
    expected.push(second.clone());
    expected.sort();
    assert_eq!(token_ids(&env), expected);
    assert!(token_ids(&env).contains(&server), "your Server PAT stays");
    assert!(token_ids(&env).contains(&oauth), "your OAuth sign-in stays");
    let doc = stdout_json(&out);
    assert_eq!(
        doc["replaced"],
        json!([first]),
        "the old dev.azure.com PAT, and only it, is reported replaced"
    );
    // Every delete the runner received was of that one token.
    for delete in env.gitpod_calls("DeleteHostAuthenticationToken") {
        assert_eq!(delete.body.as_ref().unwrap()["id"], first, "{delete:#?}");
    }
}

#[test]
fn logout_removes_your_azure_devops_tokens_and_nothing_else() {
    let env = TestEnv::new();
    add_gitlab_integration(&env);
    env.login_pat_for("dev.azure.com", seed::ADO_ORG).success();
    env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
        .success();
    let ours = [
        alices_pat_for(&env, "dev.azure.com"),
        alices_pat_for(&env, seed::ADO_SERVER_HOST),
    ];
    // Alice's tokens for other SCMs on the same runner, and Bob's (he has a seeded
    // dev.azure.com one too).
    for host in ["github.com", "gitlab.com"] {
        env.give_host_token(seed::ALICE_API_KEY, seed::ALICE_USER_ID, host, SOURCE_PAT);
    }
    env.give_host_token(
        seed::BOB_API_KEY,
        seed::BOB_USER_ID,
        "github.com",
        SOURCE_PAT,
    );
    let before = token_ids(&env);
    assert_eq!(before.len(), 6, "{:#?}", env.all_host_tokens());

    let out = env.cmd().args(["logout", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(token_ids(&env), without(&before, &[&ours[0], &ours[1]]));
    let mut removed: Vec<String> = stdout_json(&out)["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    removed.sort();
    let mut want = ours.to_vec();
    want.sort();
    assert_eq!(removed, want);
    assert_eq!(env.gitpod_calls("DeleteHostAuthenticationToken").len(), 2);
}

const LIST_TOKENS: &str = "gitpod.v1.RunnerConfigurationService/ListHostAuthenticationTokens";

/// The Gitpod API as an organization admin may see it: ListHostAuthenticationTokens answers with
/// every member's tokens on the runner asked about, whatever subject the filter names (the
/// sandbox shows each caller only their own); every other call goes to the sandbox as it is.
fn admins_view(env: &TestEnv) -> LocalServer {
    let upstream = env.sandbox.gitpod_url();
    LocalServer::start(move |request| {
        if !request.target.ends_with("/ListHostAuthenticationTokens") {
            return Answer::forwarded(&upstream, request);
        }
        let mut filter = request.json()["filter"].clone();
        if let Some(filter) = filter.as_object_mut() {
            filter.remove("subjectId");
        }
        let tokens: Vec<Value> = [seed::ALICE_API_KEY, seed::BOB_API_KEY]
            .into_iter()
            .flat_map(|key| {
                let page = gitpod_rpc(&upstream, key, LIST_TOKENS, json!({"filter": filter}));
                // An empty list is left out of the answer, as proto3 JSON does.
                page["tokens"].as_array().cloned().unwrap_or_default()
            })
            .collect();
        Answer::json(
            200,
            &json!({"tokens": tokens, "pagination": {"nextToken": ""}}),
        )
    })
}

/// Every list of tokens the client asked for named the caller as the subject, or one runner
/// (`login pat` asks for the runner's tokens at the same time as who the caller is, and picks
/// the caller's out of the answer: the admin's view above then holds everyone's).
fn assert_lists_asked_for(api: &LocalServer, user_id: &str) {
    let lists: Vec<_> = api
        .received()
        .into_iter()
        .filter(|r| r.target.ends_with("/ListHostAuthenticationTokens"))
        .collect();
    assert!(!lists.is_empty());
    for list in lists {
        let filter = &list.json()["filter"];
        assert!(
            filter["subjectId"] == user_id || filter["runnerId"].is_string(),
            "{list:#?}"
        );
    }
}

/// Bob's seeded dev.azure.com token is still there, and no delete of it was ever sent.
fn assert_bobs_token_untouched(env: &TestEnv) {
    assert!(token_ids(env).contains(&seed::BOB_HOST_TOKEN_ID.to_string()));
    for delete in env.gitpod_calls("DeleteHostAuthenticationToken") {
        assert_ne!(
            delete.body.as_ref().unwrap()["id"],
            seed::BOB_HOST_TOKEN_ID,
            "a delete of Bob's token was sent"
        );
    }
}

#[test]
fn logout_never_removes_anyone_elses_token_even_when_the_api_lists_it() {
    let env = TestEnv::new();
    env.login_pat_for("dev.azure.com", seed::ADO_ORG).success();
    let alices = alices_pat_for(&env, "dev.azure.com");
    let api = admins_view(&env);
    let out = env
        .cmd()
        .args(["logout", "--json", "--gitpod-url", api.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let removed = stdout_json(&out)["removed"].clone();
    assert_eq!(removed.as_array().unwrap().len(), 1, "{removed}");
    assert_eq!(removed[0]["id"], alices);
    assert!(env.host_tokens().is_empty());
    assert_bobs_token_untouched(&env);
    assert_lists_asked_for(&api, seed::ALICE_USER_ID);
}

#[test]
fn login_pat_never_replaces_anyone_elses_token_even_when_the_api_lists_it() {
    let env = TestEnv::new();
    let api = admins_view(&env);
    for _ in 0..2 {
        env.cmd()
            .args(LOGIN_PAT_ARGS)
            .args(["--with-token", "--gitpod-url", api.url()])
            .write_stdin(seed::PAT_VALID)
            .assert()
            .success();
    }
    assert_eq!(env.host_tokens().len(), 1);
    assert_bobs_token_untouched(&env);
    assert_lists_asked_for(&api, seed::ALICE_USER_ID);
}

#[test]
fn logout_says_which_kind_of_token_it_removed() {
    let env = TestEnv::new();
    env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
        .success();
    let oauth = env.give_host_token(
        seed::ALICE_API_KEY,
        seed::ALICE_USER_ID,
        "dev.azure.com",
        SOURCE_OAUTH,
    );
    let pat = alices_pat_for(&env, seed::ADO_SERVER_HOST);
    let out = env.cmd().args(["logout", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let removed = stdout_json(&out)["removed"].clone();
    let source_of = |id: &str| {
        removed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not removed: {removed}"))["source"]
            .clone()
    };
    assert_eq!(source_of(&pat), "pat");
    assert_eq!(source_of(&oauth), "oauth");
    // And in words, for people.
    env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
        .success();
    env.give_host_token(
        seed::ALICE_API_KEY,
        seed::ALICE_USER_ID,
        "dev.azure.com",
        SOURCE_OAUTH,
    );
    let out = env.cmd().args(["logout"]).output().unwrap();
    let said = text(&out.stdout);
    for (what, host) in [
        ("PAT", seed::ADO_SERVER_HOST),
        ("OAuth (Entra ID) sign-in", "dev.azure.com"),
    ] {
        let line = format!(
            "Removed your {what} for {host} on runner {} ({}).",
            seed::RUNNER_READY_NAME,
            seed::RUNNER_READY_ID
        );
        assert!(said.contains(&line), "{line}\n{said}");
    }
}

#[test]
fn a_lost_hand_over_is_read_back_without_taking_your_other_tokens_for_the_new_one() {
    for (lost, with_an_older_pat, sent) in [
        // The runner failed before storing it: none of Alice's other tokens is the new one, so
        // it is sent again.
        (FaultKind::Status(503), false, 2),
        // Nor is her older PAT for the same host.
        (FaultKind::Status(503), true, 2),
        // Stored, then the answer was lost: the token read back is new (not one she held
        // before), so it is not sent again.
        (FaultKind::StatusAfter(503), false, 1),
    ] {
        let case = format!("{lost:?}, an older PAT: {with_an_older_pat}");
        let env = TestEnv::new();
        env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
            .success();
        env.give_host_token(
            seed::ALICE_API_KEY,
            seed::ALICE_USER_ID,
            "github.com",
            SOURCE_PAT,
        );
        let older = with_an_older_pat.then(|| {
            env.login_pat_for("dev.azure.com", seed::ADO_ORG).success();
            alices_pat_for(&env, "dev.azure.com")
        });
        env.sandbox.inject(Fault::new(
            Some("gitpod"),
            "CreateHostAuthenticationToken",
            lost,
            1,
        ));
        env.sandbox.clear_requests();
        env.login_pat_for("dev.azure.com", seed::ADO_ORG).success();
        assert_eq!(
            env.gitpod_calls("CreateHostAuthenticationToken").len(),
            sent,
            "{case}"
        );
        let now = alices_pat_for(&env, "dev.azure.com");
        assert_ne!(Some(now), older, "{case}: a new PAT token");
    }
}
