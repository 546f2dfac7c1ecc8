//! The one-shot loopback listener of the browser sign-in (RFC 8252 §7.3).
//!
//! - Bound to loopback only (never `0.0.0.0`, never another interface): the redirect carries
//!   an authorization code. Both `127.0.0.1` and `[::1]` on the same port, because the redirect
//!   URI says `localhost` and a browser may try either: a port left free on one of them could be
//!   taken by another local process, which would then receive the code (or show a page of its
//!   own). When either address cannot be had on the port, binding fails (a random port is then
//!   tried again). Only on a machine with no IPv6 at all is `127.0.0.1` alone accepted: there a
//!   browser cannot reach `[::1]` either, so nobody can listen there in our place.
//! - A random port by default; a fixed one (`--port`) to forward over SSH.
//! - Only `/` is the callback; any other path (a favicon, a probe) gets 404.
//! - `state` must match: a callback with a wrong or missing `state` gets an error page and is
//!   otherwise ignored (it may be a stale tab of an earlier run, or a forged request), and the
//!   wait goes on.
//! - The first callback with the right `state` ends the wait, whether it brings a code or an
//!   error; later requests get "already finished", and once the wait has returned the sockets
//!   are closed.
//! - A deadline read from the injected clock, and a cancel flag (set by a Ctrl-C handler) checked
//!   between polls: both end the wait cleanly, closing the sockets.
//! - Nothing of the callback's query (the code) is logged.
//!
//! What a hostile local client must not be able to do (any local user can connect):
//! - **Stall the wait.** The waiting thread never reads from or writes to a connection: each
//!   connection is served on a thread of its own ([`connection`]) with a time limit for reading
//!   the request and another for writing the answer ([`IO_TIMEOUT`]), one request per
//!   connection. A client that pipelines requests and never reads its answers, or sends a
//!   byte a minute, only ever holds its own thread, and only until its time is up; the
//!   deadline and Ctrl-C keep working.
//! - **Take memory or threads without bound.** A request is read into a fixed 8 KiB buffer
//!   ([`connection::MAX_REQUEST_BYTES`], headers included; more is answered 431), and at most
//!   [`MAX_CONNECTIONS`] connections are served at once: the rest wait in the kernel's backlog
//!   until a slot is free.
//!
//! Redirect URI: Entra matches `http://localhost` redirect URIs ignoring the port, and does not
//! support `[::1]`; Microsoft's public clients (Microsoft Graph Command Line Tools among them)
//! register `http://localhost`. So the URI sent is `http://localhost:{port}` (no path: Entra
//! comes back to `/`). [`RedirectHost::Ip`] sends `http://127.0.0.1:{port}` for apps that
//! registered that instead.

mod connection;

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clients::entra::{EntraError, Flow};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::secret::Secret;
use connection::{Parsed, Reply, Unread};

/// How long the waiting thread waits for an answer before it looks at the deadline, the cancel
/// flag and new connections again.
const POLL: Duration = Duration::from_millis(20);

/// Most connections served at once (a browser opens one or two).
pub const MAX_CONNECTIONS: usize = 4;

/// How long a connection may take to send its request, and again to take its answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How many random ports are tried for one that is free on both loopback addresses.
const RANDOM_PORT_TRIES: usize = 16;

/// The host of the redirect URI (the sockets always listen on loopback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectHost {
    /// `http://localhost:{port}`: what Entra's public clients register (port ignored).
    #[default]
    Localhost,
    /// `http://127.0.0.1:{port}`.
    Ip,
}

pub struct LoopbackListener {
    /// `127.0.0.1` first, then `[::1]` when the machine has IPv6; non-blocking.
    sockets: Vec<TcpListener>,
    port: u16,
    io_timeout: Duration,
    serving: Arc<Serving>,
}

/// The connections being served, counted so that there are never more than
/// [`MAX_CONNECTIONS`].
#[derive(Debug, Default)]
struct Serving {
    now: AtomicUsize,
    /// The most there ever were at once (for tests).
    peak: AtomicUsize,
}

impl std::fmt::Debug for LoopbackListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addrs: Vec<String> = self.local_addrs().iter().map(|a| a.to_string()).collect();
        write!(f, "LoopbackListener({})", addrs.join(", "))
    }
}

impl LoopbackListener {
    /// Listens on `127.0.0.1:{port}` and `[::1]:{port}`, or on a random port free on both.
    pub fn bind(port: Option<u16>) -> Result<LoopbackListener> {
        let sockets = match port {
            Some(port) => bind_both(port).map_err(|(addr, err)| {
                Error::usage(format!(
                    "--port: cannot listen on {addr} for the sign-in ({err})"
                ))
                .with_hint("pick another port, or leave --port out for a random one")
            })?,
            None => bind_random()?,
        };
        LoopbackListener::from_sockets(sockets)
    }

    /// Wraps a listener bound elsewhere (tests); it must be on `127.0.0.1` or `[::1]`.
    pub fn from_tcp(listener: TcpListener) -> Result<LoopbackListener> {
        LoopbackListener::from_sockets(vec![listener])
    }

    fn from_sockets(sockets: Vec<TcpListener>) -> Result<LoopbackListener> {
        let mut port = 0;
        for socket in &sockets {
            let addr = socket.local_addr()?;
            let ip = addr.ip();
            if ip != IpAddr::V4(Ipv4Addr::LOCALHOST) && ip != IpAddr::V6(Ipv6Addr::LOCALHOST) {
                return Err(Error::local(format!(
                    "the sign-in listener must be on 127.0.0.1 or [::1], not {ip}"
                )));
            }
            socket
                .set_nonblocking(true)
                .map_err(|err| Error::local("cannot start the sign-in listener").caused_by(err))?;
            port = addr.port();
        }
        Ok(LoopbackListener {
            sockets,
            port,
            io_timeout: IO_TIMEOUT,
            serving: Arc::default(),
        })
    }

    /// The first address listened on (`127.0.0.1:{port}` unless built by [`Self::from_tcp`]).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addrs()[0]
    }

    /// Every address listened on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.sockets
            .iter()
            .filter_map(|s| s.local_addr().ok())
            .collect()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://localhost:{port}` or `http://127.0.0.1:{port}`.
    pub fn redirect_uri(&self, host: RedirectHost) -> String {
        match host {
            RedirectHost::Localhost => format!("http://localhost:{}", self.port()),
            RedirectHost::Ip => format!("http://127.0.0.1:{}", self.port()),
        }
    }

    /// Waits for the callback with `expected_state` and returns its code. Entra's error
    /// redirect (`?error=…`) ends the wait with that error; the deadline (`timeout` on `clock`)
    /// with an auth error (exit 3); the cancel flag with "interrupted" (exit 130).
    pub fn wait_for_code(
        self,
        expected_state: &str,
        clock: &dyn Clock,
        timeout: Duration,
        cancel: Option<&AtomicBool>,
    ) -> Result<Secret> {
        let deadline = crate::clock::later(clock.now(), timeout);
        let (sender, answers) = mpsc::channel();
        let judge = Arc::new(Judge {
            expected_state: expected_state.to_string(),
            open: Mutex::new(Some(sender)),
        });
        let outcome = loop {
            if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                break Err(Error::interrupted());
            }
            if clock.now() >= deadline {
                break Err(Error::auth(format!(
                    "Microsoft sign-in timed out: no answer reached ado-scm within {} s",
                    timeout.as_secs()
                ))
                .with_hint(
                    "run again and finish the sign-in in the browser; over SSH, forward the port given with --port, or use --device-code",
                ));
            }
            self.serve_waiting(&judge);
            match answers.recv_timeout(POLL) {
                Ok(outcome) => break outcome,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Err(Error::local("the sign-in listener stopped unexpectedly"))
                }
            }
        };
        // Whatever comes now is told the sign-in is over: the requests already queued behind
        // the one that ended the wait (a second callback, a reload), so that no tab is left
        // hanging, and those still being read. Later ones find the port closed.
        judge.close();
        self.serve_waiting(&judge);
        outcome
    }

    /// Hands the connections waiting in the backlog to threads of their own, while fewer than
    /// [`MAX_CONNECTIONS`] are being served.
    fn serve_waiting(&self, judge: &Arc<Judge>) {
        for socket in &self.sockets {
            while self.serving.now.load(Ordering::SeqCst) < MAX_CONNECTIONS {
                let stream = match socket.accept() {
                    Ok((stream, _)) => stream,
                    // Nothing waiting, or a connection that went away before it was accepted,
                    // or no file descriptor left for now: the next poll tries again.
                    Err(_) => break,
                };
                self.spawn_connection(stream, judge.clone());
            }
        }
    }

    fn spawn_connection(&self, stream: TcpStream, judge: Arc<Judge>) {
        let serving = self.serving.clone();
        let now = serving.now.fetch_add(1, Ordering::SeqCst) + 1;
        serving.peak.fetch_max(now, Ordering::SeqCst);
        let io_timeout = self.io_timeout;
        let spawned = std::thread::Builder::new()
            .name("ado-scm-sign-in".into())
            .spawn(move || {
                let _slot = SlotGuard(serving);
                serve_connection(stream, &judge, io_timeout);
            });
        if spawned.is_err() {
            // The closure (and its guard) was dropped with the error: the slot is free again,
            // and the connection closed unanswered.
            tracing::warn!("sign-in listener: cannot start a thread for a connection");
        }
    }
}

/// Frees a connection slot when the connection's thread ends, however it ends.
struct SlotGuard(Arc<Serving>);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Binds `127.0.0.1:{port}` and `[::1]:{port}`; the error names the address that failed.
fn bind_both(port: u16) -> std::result::Result<Vec<TcpListener>, (String, std::io::Error)> {
    let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(|err| (format!("127.0.0.1:{port}"), err))?;
    let port = v4
        .local_addr()
        .map_err(|err| (format!("127.0.0.1:{port}"), err))?
        .port();
    let mut sockets = vec![v4];
    match TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
        Ok(v6) => sockets.push(v6),
        Err(err) if no_ipv6(&err) => {
            tracing::info!("sign-in listener: no IPv6 loopback on this machine, 127.0.0.1 only");
        }
        Err(err) => return Err((format!("[::1]:{port}"), err)),
    }
    Ok(sockets)
}

/// A random port free on both addresses: a port taken on `[::1]` (by chance, or by a process
/// hoping to catch the redirect) is given up for another.
fn bind_random() -> Result<Vec<TcpListener>> {
    let mut last = None;
    for _ in 0..RANDOM_PORT_TRIES {
        match bind_both(0) {
            Ok(sockets) => return Ok(sockets),
            Err(err) => last = Some(err),
        }
    }
    let (addr, err) = last.expect("at least one try");
    Err(
        Error::local("cannot listen on 127.0.0.1 and [::1] on one port for the sign-in")
            .caused_by(format!("{addr}: {err}"))
            .with_hint("pass --port PORT with a port that is free on both"),
    )
}

/// The machine has no IPv6 loopback (IPv6 disabled, or no such address family).
fn no_ipv6(err: &std::io::Error) -> bool {
    #[cfg(unix)]
    let no_family = err.raw_os_error() == Some(libc::EAFNOSUPPORT);
    #[cfg(not(unix))]
    let no_family = false;
    no_family || err.kind() == ErrorKind::AddrNotAvailable || err.kind() == ErrorKind::Unsupported
}

/// Decides what each request means, once the request has been read on its connection's thread.
/// The first request that ends the wait takes the sender, so there is exactly one outcome.
struct Judge {
    expected_state: String,
    /// `None` once the wait has an outcome or has ended.
    open: Mutex<Option<Outcome>>,
}

/// Where the outcome of the wait goes: the waiting thread.
type Outcome = mpsc::Sender<Result<Secret>>;

impl Judge {
    /// The answer to `request`, and the outcome of the wait if this request ends it.
    fn decide(&self, request: &Parsed) -> (Reply, Option<(Outcome, Result<Secret>)>) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.is_none() {
            tracing::info!("sign-in listener: a request after the sign-in ended was turned away");
            return (already_finished(), None);
        }
        match judge(request, &self.expected_state) {
            (reply, Some(outcome)) => {
                let sender = open.take().expect("checked above");
                (reply, Some((sender, outcome)))
            }
            (reply, None) => (reply, None),
        }
    }

    fn close(&self) {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Reads, judges and answers one connection. The outcome is handed to the waiting thread only
/// after the page is written (or its write gave up), so that the browser has its page before
/// ado-scm moves on.
fn serve_connection(mut stream: TcpStream, judge: &Judge, io_timeout: Duration) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let (reply, outcome) = match connection::read_request(&mut stream, io_timeout) {
        Ok(request) => judge.decide(&request),
        Err(Unread::TooLarge) => {
            tracing::info!("sign-in listener: a request over 8 KiB was refused");
            (
                Reply {
                    status: 431,
                    html: page(
                        "Request too large",
                        "This address is only for the ado-scm sign-in.",
                    ),
                },
                None,
            )
        }
        Err(Unread::Malformed) => (
            Reply {
                status: 400,
                html: page(
                    "Bad request",
                    "This address is only for the ado-scm sign-in.",
                ),
            },
            None,
        ),
        Err(Unread::Gone) => return,
    };
    connection::write_reply(stream, &reply, io_timeout);
    if let Some((sender, outcome)) = outcome {
        let _ = sender.send(outcome);
    }
}

fn already_finished() -> Reply {
    Reply {
        status: 409,
        html: page(
            "Sign-in already finished",
            "ado-scm is no longer waiting for an answer to this sign-in; this one was ignored. Return to the terminal.",
        ),
    }
}

/// The answer to one request; `Some` outcome when it ends the wait.
fn judge(request: &Parsed, expected_state: &str) -> (Reply, Option<Result<Secret>>) {
    let reply = |status, title, text: &str| Reply {
        status,
        html: page(title, text),
    };
    let target = request.target.as_str();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/" || request.method != "GET" {
        tracing::info!("sign-in listener: {} {path} → 404", request.method);
        return (
            reply(
                404,
                "Not found",
                "This address is only for the ado-scm sign-in.",
            ),
            None,
        );
    }
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    // Constant-time is not needed: the state is single-use and a mismatch ends nothing.
    if get("state") != Some(expected_state) {
        tracing::warn!("sign-in listener: a callback with a wrong or missing state was ignored");
        return (
            reply(
                400,
                "Sign-in answer not accepted",
                "This answer does not belong to the sign-in ado-scm is waiting for (it may come from an earlier attempt). Return to the terminal; if it is still waiting, start the sign-in again from the link it shows.",
            ),
            None,
        );
    }
    if let Some(error) = get("error") {
        let err = EntraError::from_redirect(error, get("error_description"));
        let shown = err.to_error(Flow::Browser);
        tracing::info!("sign-in listener: the callback brought an error ({err})");
        let text = format!(
            "{} Return to the terminal for details.",
            capitalise(err.meaning(Flow::Browser).plain)
        );
        return (reply(200, "Sign-in failed", &text), Some(Err(shown)));
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            tracing::info!("sign-in listener: the callback brought a code");
            (
                reply(
                    200,
                    "Signed in",
                    "You are signed in to Microsoft. You can close this tab and return to the terminal.",
                ),
                Some(Ok(Secret::new(code))),
            )
        }
        None => (
            reply(
                400,
                "Sign-in answer not accepted",
                "The answer carried neither a code nor an error. Return to the terminal.",
            ),
            Some(Err(Error::auth(
                "Microsoft sign-in failed: the answer carried neither a code nor an error",
            )
            .with_hint("sign in again"))),
        ),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A small readable page; `title` and `text` are our own words, escaped anyway.
fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ado-scm: {t}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5;color:#222}}h1{{font-size:1.4em}}</style>\
</head><body><h1>{t}</h1><p>{x}</p><p><small>ado-scm</small></p></body></html>\n",
        t = escape(title),
        x = escape(text)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    pub(crate) fn clock() -> FakeClock {
        FakeClock::new(
            chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        )
    }

    /// A raw GET, as a browser would send it; returns status and body.
    pub(crate) fn get(addr: SocketAddr, target: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(addr).expect("connect to the listener");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// `[::1]` on this machine, or a loud notice (and a failure under `CI=true`) when the machine
    /// has no IPv6 loopback, where the listener rightly binds 127.0.0.1 alone.
    fn ipv6_loopback_available() -> bool {
        match TcpListener::bind((Ipv6Addr::LOCALHOST, 0)) {
            Ok(_) => true,
            Err(err) => {
                assert!(
                    std::env::var(crate::env::EnvVars::CI).as_deref() != Ok("true"),
                    "no IPv6 loopback under CI: {err}"
                );
                eprintln!(
                    "NOTICE: no IPv6 loopback here ({err}); the [::1] part of this test did not run"
                );
                false
            }
        }
    }

    /// What `-v` and a panic show of a listener: where it listens, both addresses.
    #[test]
    fn a_listener_shows_its_two_addresses() {
        let listener = LoopbackListener::bind(None).unwrap();
        let port = listener.local_addrs()[0].port();
        assert_eq!(
            format!("{listener:?}"),
            format!("LoopbackListener(127.0.0.1:{port}, [::1]:{port})")
        );
    }

    #[test]
    fn bound_to_both_loopback_addresses_on_one_port() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.local_addr();
        assert_eq!(addr.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_ne!(addr.port(), 0);
        assert_eq!(
            listener.redirect_uri(RedirectHost::Localhost),
            format!("http://localhost:{}", addr.port())
        );
        assert_eq!(
            listener.redirect_uri(RedirectHost::Ip),
            format!("http://127.0.0.1:{}", addr.port())
        );
        if ipv6_loopback_available() {
            let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()));
            assert_eq!(listener.local_addrs(), [addr, v6]);
            // A browser that tries `localhost` over IPv6 first reaches this listener.
            let browser = std::thread::spawn(move || get(v6, "/?code=over-v6&state=s"));
            let code = listener
                .wait_for_code("s", &clock(), Duration::from_secs(300), None)
                .unwrap();
            assert_eq!(code.expose(), "over-v6");
            assert_eq!(browser.join().unwrap().0, 200);
        }
        // Another interface is refused.
        let any = TcpListener::bind("0.0.0.0:0").unwrap();
        let err = LoopbackListener::from_tcp(any).unwrap_err();
        assert!(err.message.contains("must be on 127.0.0.1 or [::1]"));
    }

    #[test]
    fn a_fixed_port_in_use_is_a_usage_error() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = LoopbackListener::bind(Some(port)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.message.starts_with("--port"));
    }

    #[test]
    fn a_port_another_process_holds_on_ipv6_is_never_shared() {
        if !ipv6_loopback_available() {
            return;
        }
        // Another local process listens on [::1]:PORT, hoping to catch the redirect of
        // browsers that try IPv6 first.
        let squatter = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
        let port = squatter.local_addr().unwrap().port();
        let err = LoopbackListener::bind(Some(port)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message
                .starts_with(&format!("--port: cannot listen on [::1]:{port}")),
            "{}",
            err.message
        );
        // A random port is never one the squatter holds.
        let listener = LoopbackListener::bind(None).unwrap();
        assert_ne!(listener.port(), port);
        assert_eq!(listener.local_addrs().len(), 2);
    }

    #[test]
    fn wrong_state_and_unknown_paths_are_rejected_then_the_first_valid_callback_wins() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.local_addr();
        let browser = std::thread::spawn(move || {
            let results = vec![
                get(addr, "/favicon.ico"),
                get(addr, "/callback?code=c0&state=s1"),
                get(addr, "/?code=evil&state=wrong"),
                get(addr, "/?code=nostate"),
                get(addr, "/?code=c1&state=s1"),
            ];
            // The listener is gone: a second valid callback finds nobody (or no answer).
            let second = TcpStream::connect(addr).ok().map(|mut s| {
                s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                let _ = write!(
                    s,
                    "GET /?code=c2&state=s1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                );
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                out
            });
            (results, second)
        });
        let clock = clock();
        let code = listener
            .wait_for_code("s1", &clock, Duration::from_secs(300), None)
            .unwrap();
        assert_eq!(code.expose(), "c1");
        let (results, second) = browser.join().unwrap();
        assert_eq!(results[0].0, 404);
        assert_eq!(results[1].0, 404);
        assert_eq!(results[2].0, 400);
        assert!(results[2].1.contains("does not belong"));
        assert_eq!(results[3].0, 400);
        assert_eq!(results[4].0, 200);
        assert!(results[4].1.contains("You are signed in"));
        // Nobody listening, or an answer that is not the success page.
        assert!(!second.unwrap_or_default().starts_with("HTTP/1.1 200"));
    }

    #[test]
    fn a_second_callback_queued_behind_the_first_is_ignored() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.local_addr();
        // Both callbacks are sent before the listener looks at either: the first one read wins,
        // the other is told the sign-in is over (never left hanging).
        let (sent, both_sent) = mpsc::channel();
        let send = |code: &'static str| {
            let sent = sent.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let _ = write!(
                    s,
                    "GET /?code={code}&state=s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                );
                sent.send(()).unwrap();
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                (code, out)
            })
        };
        let (first, second) = (send("first"), send("second"));
        // Connected and written: both are in the kernel's queue before the wait starts.
        for _ in 0..2 {
            both_sent
                .recv_timeout(GIVE_UP)
                .expect("a callback was never sent");
        }
        let code = listener
            .wait_for_code("s", &clock(), Duration::from_secs(300), None)
            .unwrap();
        let answers = [first.join().unwrap(), second.join().unwrap()];
        let (winners, losers): (Vec<_>, Vec<_>) = answers
            .iter()
            .partition(|(_, out)| out.starts_with("HTTP/1.1 200"));
        assert_eq!(winners.len(), 1, "{answers:?}");
        assert_eq!(code.expose(), winners[0].0);
        assert!(losers[0].1.starts_with("HTTP/1.1 409"), "{answers:?}");
        assert!(losers[0].1.contains("already finished"));
    }

    #[test]
    fn an_error_redirect_ends_the_wait_with_the_aadsts_meaning() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.local_addr();
        let browser = std::thread::spawn(move || {
            get(
                addr,
                "/?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent.%0D%0ATrace+ID%3A+t1%0D%0ACorrelation+ID%3A+c1&state=s",
            )
        });
        let clock = clock();
        let err = listener
            .wait_for_code("s", &clock, Duration::from_secs(300), None)
            .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.message.contains("AADSTS65004"), "{}", err.message);
        assert!(err.to_string().contains("trace ID t1, correlation ID c1"));
        let (status, body) = browser.join().unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("Sign-in failed"));
        assert!(body.contains("Consent to the application"));
    }

    #[test]
    fn times_out_on_the_injected_clock() {
        let listener = LoopbackListener::bind(None).unwrap();
        let clock = clock();
        // The fake clock never moves by itself: a zero timeout is already over.
        let err = listener
            .wait_for_code("s", &clock, Duration::ZERO, None)
            .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.message.contains("timed out"), "{}", err.message);
    }

    #[test]
    fn the_deadline_moves_with_the_clock() {
        // Once it waits, the wait has read its deadline from the clock: moving the clock past
        // it ends the wait.
        let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
        waiting.clock.advance(Duration::from_secs(299));
        assert_eq!(
            get(waiting.addr, "/?code=x&state=wrong").0,
            400,
            "still waiting"
        );
        waiting.clock.advance(Duration::from_secs(2));
        let err = waiting.outcome().unwrap_err();
        assert!(err.message.contains("within 300 s"), "{}", err.message);
    }

    #[test]
    fn cancel_closes_the_listener() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.local_addr();
        let cancel = AtomicBool::new(true);
        let err = listener
            .wait_for_code("s", &clock(), Duration::from_secs(300), Some(&cancel))
            .unwrap_err();
        assert_eq!(err.exit_code(), 130);
        // The sockets are closed when the wait returns (it owns the listener): nothing is
        // listening on the port any more.
        let refused = TcpStream::connect(addr).map(|_| ()).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");
    }

    // ---- A hostile local client (any local user can connect to the listener)

    /// A wait running on a thread of its own, and what the test needs to drive it.
    struct Waiting {
        addr: SocketAddr,
        clock: std::sync::Arc<FakeClock>,
        cancel: std::sync::Arc<AtomicBool>,
        serving: std::sync::Arc<Serving>,
        outcome: mpsc::Receiver<Result<Secret>>,
    }

    impl Waiting {
        /// The wait's result; a wait that never returns fails the test instead of hanging it.
        fn outcome(&self) -> Result<Secret> {
            self.outcome
                .recv_timeout(GIVE_UP)
                .expect("the wait stalled")
        }
    }

    /// Starts `listener`'s wait (state `s`, 300 s on a fake clock) and returns once it is
    /// waiting.
    fn wait_in_background(listener: LoopbackListener) -> Waiting {
        let (addr, serving) = (listener.local_addr(), listener.serving.clone());
        let clock = std::sync::Arc::new(clock());
        let cancel = std::sync::Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let (waiting_clock, waiting_cancel) = (clock.clone(), cancel.clone());
        std::thread::spawn(move || {
            let outcome = listener.wait_for_code(
                "s",
                waiting_clock.as_ref(),
                Duration::from_secs(300),
                Some(&waiting_cancel),
            );
            let _ = tx.send(outcome);
        });
        // Answered means waiting: the deadline has been read from the clock.
        assert_eq!(get(addr, "/?code=x&state=wrong").0, 400);
        Waiting {
            addr,
            clock,
            cancel,
            serving,
            outcome: rx,
        }
    }

    /// Far longer than the wait needs, far shorter than a hang.
    const GIVE_UP: Duration = Duration::from_secs(30);

    /// Whether `holds` comes true within `limit` (asked over and over, yielding between: what
    /// the listener's threads do is not announced).
    fn within(limit: Duration, holds: impl Fn() -> bool) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while !holds() {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::yield_now();
        }
        true
    }

    /// Sends `count` pipelined callbacks with a wrong state and never reads an answer. Returns
    /// the connection (kept open) once everything is sent or the listener cut it off.
    fn pipeline_and_never_read(addr: SocketAddr, count: usize) -> TcpStream {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let one = "GET /?code=x&state=wrong HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let batch = one.repeat(1000);
        for _ in 0..count / 1000 {
            if stream.write_all(batch.as_bytes()).is_err() {
                break;
            }
        }
        stream
    }

    #[test]
    fn a_client_that_pipelines_and_never_reads_stalls_nothing() {
        let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
        let addr = waiting.addr;
        // 40,000 wrong callbacks: their answers would fill every socket buffer many times.
        let _hostile = pipeline_and_never_read(addr, 40_000);
        // The real callback still gets through…
        let (status, _) = get(addr, "/?code=real&state=s");
        assert_eq!(status, 200);
        let code = waiting.outcome().unwrap();
        assert_eq!(code.expose(), "real");
    }

    #[test]
    fn the_deadline_and_ctrl_c_still_end_a_wait_that_a_client_floods() {
        for ending in ["deadline", "ctrl-c"] {
            let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
            let addr = waiting.addr;
            let _hostile = pipeline_and_never_read(addr, 40_000);
            match ending {
                "deadline" => waiting.clock.advance(Duration::from_secs(301)),
                _ => waiting.cancel.store(true, Ordering::SeqCst),
            }
            let err = waiting.outcome().unwrap_err();
            let want = if ending == "deadline" { 3 } else { 130 };
            assert_eq!(err.exit_code(), want, "{ending}: {err}");
        }
    }

    #[test]
    fn an_endless_header_is_cut_off_after_8_kib() {
        let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
        let addr = waiting.addr;
        // A header that would go on for 2 GiB; the client stops at 256 MiB if nobody stops it.
        let mut hostile = TcpStream::connect(addr).unwrap();
        hostile
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        hostile
            .write_all(b"GET /?code=x&state=s HTTP/1.1\r\nX-Endless: ")
            .unwrap();
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = 0usize;
        while sent < 256 << 20 {
            match hostile.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        // Cut off after the 8 KiB it may send, plus what the sockets' buffers held on the way.
        assert!(sent < 32 << 20, "the listener took {} MiB", sent >> 20);
        // Nothing ended the wait: a real callback still does.
        assert_eq!(get(addr, "/?code=real&state=s").0, 200);
        let code = waiting.outcome().unwrap();
        assert_eq!(code.expose(), "real");
    }

    #[test]
    fn a_request_over_8_kib_gets_431_and_one_just_under_is_served() {
        let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
        let addr = waiting.addr;
        let padded = |size: usize| {
            let head = "GET /?code=c&state=s HTTP/1.1\r\nX-Pad: ";
            let pad = "p".repeat(size - head.len() - 4);
            format!("{head}{pad}\r\n\r\n")
        };
        let raw = |request: String| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(request.as_bytes()).unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            out
        };
        let too_large = raw(padded(connection::MAX_REQUEST_BYTES + 1));
        assert!(too_large.starts_with("HTTP/1.1 431"), "{too_large}");
        let fits = raw(padded(connection::MAX_REQUEST_BYTES));
        assert!(fits.starts_with("HTTP/1.1 200"), "{fits}");
        let code = waiting.outcome().unwrap();
        assert_eq!(code.expose(), "c");
    }

    /// A callback still being read when the wait ends (Ctrl-C) is told the sign-in is over,
    /// never that it succeeded: ado-scm has stopped listening for it.
    #[test]
    fn a_callback_finished_after_the_wait_ended_is_told_the_sign_in_is_over() {
        let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
        let serving = |count| {
            let served = || waiting.serving.now.load(Ordering::SeqCst) == count;
            assert!(within(GIVE_UP, served), "never {count} served");
        };
        // The probe of wait_in_background is done; then this connection's thread reads it.
        serving(0);
        let mut late = TcpStream::connect(waiting.addr).unwrap();
        late.set_read_timeout(Some(GIVE_UP)).unwrap();
        late.write_all(b"GET /?code=late&state=s HTTP/1.1\r\n")
            .unwrap();
        serving(1);
        waiting.cancel.store(true, Ordering::SeqCst);
        assert_eq!(waiting.outcome().unwrap_err().exit_code(), 130);
        late.write_all(b"Host: localhost\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = late.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
        assert!(answer.contains("Sign-in already finished"), "{answer}");
    }

    #[test]
    fn no_ipv6_is_an_address_family_or_address_missing_not_a_port_taken() {
        use std::io::{Error as IoError, ErrorKind as Kind};
        assert!(no_ipv6(&IoError::from_raw_os_error(libc::EAFNOSUPPORT)));
        assert!(no_ipv6(&IoError::from(Kind::AddrNotAvailable)));
        assert!(no_ipv6(&IoError::from(Kind::Unsupported)));
        assert!(!no_ipv6(&IoError::from(Kind::AddrInUse)));
        assert!(!no_ipv6(&IoError::from(Kind::PermissionDenied)));
    }

    #[test]
    fn a_thousand_slow_clients_get_a_few_threads_and_the_wait_still_ends() {
        use socket2::{Domain, Socket, Type};
        let waiting = wait_in_background(LoopbackListener::bind(None).unwrap());
        let addr = waiting.addr;
        // 1,000 clients connect (without waiting for the handshake) and never send a byte.
        let clients: Vec<Socket> = (0..1000)
            .map(|_| {
                let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
                socket.set_nonblocking(true).unwrap();
                let _ = socket.connect(&addr.into());
                socket
            })
            .collect();
        // The listener takes as many as it may serve at once (each client holds its slot for
        // the 5 s read limit), and no more.
        let peak = || waiting.serving.peak.load(Ordering::SeqCst);
        within(Duration::from_secs(4), || peak() >= MAX_CONNECTIONS);
        assert_eq!(peak(), MAX_CONNECTIONS, "connections served at once");
        waiting.cancel.store(true, Ordering::SeqCst);
        let err = waiting.outcome().unwrap_err();
        assert_eq!(err.exit_code(), 130);
        assert!(waiting.serving.peak.load(Ordering::SeqCst) <= MAX_CONNECTIONS);
        drop(clients);
    }

    #[test]
    fn a_slow_client_is_cut_off_and_frees_its_slot() {
        let mut listener = LoopbackListener::bind(None).unwrap();
        listener.io_timeout = Duration::from_millis(200);
        let waiting = wait_in_background(listener);
        let addr = waiting.addr;
        // Every slot taken by a client that sends half a request and then nothing.
        let slow: Vec<TcpStream> = (0..MAX_CONNECTIONS)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /?code=x&st").unwrap();
                s
            })
            .collect();
        // Once they are cut off, the real callback is served.
        assert_eq!(get(addr, "/?code=real&state=s").0, 200);
        let code = waiting.outcome().unwrap();
        assert_eq!(code.expose(), "real");
        drop(slow);
    }
}
