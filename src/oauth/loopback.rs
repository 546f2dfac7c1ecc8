//! The one-shot loopback listener of the browser sign-in (RFC 8252 §7.3).
//!
//! - Bound to `127.0.0.1` only (never `0.0.0.0`, never another interface): the redirect carries
//!   an authorization code.
//! - A random port by default; a fixed one (`--port`) to forward over SSH.
//! - Only `/` is the callback; any other path (a favicon, a probe) gets 404.
//! - `state` must match: a callback with a wrong or missing `state` gets an error page and is
//!   otherwise ignored (it may be a stale tab of an earlier run, or a forged request), and the
//!   wait goes on.
//! - The first callback with the right `state` ends the wait, whether it brings a code or an
//!   error; the listener is then dropped, so later callbacks find nothing listening.
//! - A deadline read from the injected clock, and a cancel flag (set by a Ctrl-C handler) checked
//!   between polls: both end the wait cleanly, closing the socket.
//! - Nothing of the callback's query (the code) is logged.
//!
//! Redirect URI: Entra matches `http://localhost` redirect URIs ignoring the port, and does not
//! support `[::1]`; Microsoft's public clients (Microsoft Graph Command Line Tools among them)
//! register `http://localhost`. So the URI sent is `http://localhost:{port}` (no path: Entra
//! comes back to `/`), while the socket listens on `127.0.0.1` only; browsers that try `::1`
//! first fall back to `127.0.0.1`. [`RedirectHost::Ip`] sends `http://127.0.0.1:{port}` for
//! apps that registered that instead.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::clients::entra::{EntraError, Flow};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// How long one poll of the listener waits before the deadline and cancel flag are checked.
const POLL: Duration = Duration::from_millis(100);

/// The host of the redirect URI (the socket always listens on 127.0.0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectHost {
    /// `http://localhost:{port}`: what Entra's public clients register (port ignored).
    #[default]
    Localhost,
    /// `http://127.0.0.1:{port}`.
    Ip,
}

pub struct LoopbackListener {
    server: tiny_http::Server,
    addr: SocketAddr,
}

impl std::fmt::Debug for LoopbackListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoopbackListener({})", self.addr)
    }
}

impl LoopbackListener {
    /// Listens on `127.0.0.1:{port}`, or a random free port.
    pub fn bind(port: Option<u16>) -> Result<LoopbackListener> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port.unwrap_or(0))).map_err(
            |err| match port {
                Some(p) => Error::usage(format!(
                    "--port: cannot listen on 127.0.0.1:{p} for the sign-in ({err})"
                ))
                .with_hint("pick another port, or leave --port out for a random one"),
                None => Error::local("cannot listen on 127.0.0.1 for the sign-in").caused_by(err),
            },
        )?;
        LoopbackListener::from_tcp(listener)
    }

    /// Wraps a listener bound elsewhere (tests); it must be on 127.0.0.1.
    pub fn from_tcp(listener: TcpListener) -> Result<LoopbackListener> {
        let addr = listener.local_addr()?;
        if addr.ip() != std::net::IpAddr::V4(Ipv4Addr::LOCALHOST) {
            return Err(Error::local(format!(
                "the sign-in listener must be on 127.0.0.1, not {}",
                addr.ip()
            )));
        }
        let server = tiny_http::Server::from_listener(listener, None)
            .map_err(|err| Error::local("cannot start the sign-in listener").caused_by(err))?;
        Ok(LoopbackListener { server, addr })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
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
        let deadline = clock.now() + chrono::Duration::from_std(timeout).unwrap_or_default();
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                return Err(Error::interrupted());
            }
            if clock.now() >= deadline {
                return Err(Error::auth(format!(
                    "Microsoft sign-in timed out: no answer reached ado-scm within {} s",
                    timeout.as_secs()
                ))
                .with_hint(
                    "run again and finish the sign-in in the browser; over SSH, forward the port given with --port, or use --device-code",
                ));
            }
            let request = match self.server.recv_timeout(POLL) {
                Ok(Some(request)) => request,
                Ok(None) => continue,
                Err(err) => return Err(Error::local("the sign-in listener failed").caused_by(err)),
            };
            if let Some(outcome) = handle(request, expected_state) {
                self.turn_away_the_rest();
                return outcome;
            }
        }
    }
}

impl LoopbackListener {
    /// Answers the requests already queued behind the one that ended the wait (a second
    /// callback, a reload), so that no browser tab is left hanging; later ones find the port
    /// closed.
    fn turn_away_the_rest(&self) {
        while let Ok(Some(request)) = self.server.try_recv() {
            tracing::info!("sign-in listener: a request after the sign-in ended was turned away");
            respond(
                request,
                409,
                &page(
                    "Sign-in already finished",
                    "ado-scm has already received the answer to this sign-in; this one was ignored. Return to the terminal.",
                ),
            );
        }
    }
}

/// Answers one request; `Some` when it ends the wait.
fn handle(request: tiny_http::Request, expected_state: &str) -> Option<Result<Secret>> {
    let target = request.url().to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path != "/" || *request.method() != tiny_http::Method::Get {
        tracing::info!("sign-in listener: {} {path} → 404", request.method());
        respond(
            request,
            404,
            &page("Not found", "This address is only for the ado-scm sign-in."),
        );
        return None;
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
        respond(
            request,
            400,
            &page(
                "Sign-in answer not accepted",
                "This answer does not belong to the sign-in ado-scm is waiting for (it may come from an earlier attempt). Return to the terminal; if it is still waiting, start the sign-in again from the link it shows.",
            ),
        );
        return None;
    }
    if let Some(error) = get("error") {
        let err = EntraError::from_redirect(error, get("error_description"));
        let shown = err.to_error(Flow::Browser);
        tracing::info!("sign-in listener: the callback brought an error ({err})");
        respond(
            request,
            200,
            &page(
                "Sign-in failed",
                &format!(
                    "{} Return to the terminal for details.",
                    capitalise(err.meaning(Flow::Browser).plain)
                ),
            ),
        );
        return Some(Err(shown));
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            let code = Secret::new(code);
            tracing::info!("sign-in listener: the callback brought a code");
            respond(
                request,
                200,
                &page(
                    "Signed in",
                    "You are signed in to Microsoft. You can close this tab and return to the terminal.",
                ),
            );
            Some(Ok(code))
        }
        None => {
            respond(
                request,
                400,
                &page(
                    "Sign-in answer not accepted",
                    "The answer carried neither a code nor an error. Return to the terminal.",
                ),
            );
            Some(Err(Error::auth(
                "Microsoft sign-in failed: the answer carried neither a code nor an error",
            )
            .with_hint("sign in again")))
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn respond(request: tiny_http::Request, status: u16, html: &str) {
    let header = tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
        .expect("static header");
    let response = tiny_http::Response::from_string(html)
        .with_status_code(status)
        .with_header(header);
    // The browser going away before reading the page changes nothing.
    let _ = request.respond(response);
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

    #[test]
    fn bound_to_127_0_0_1_only() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.local_addr();
        assert_eq!(addr.ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_ne!(addr.port(), 0);
        assert_eq!(
            listener.redirect_uri(RedirectHost::Localhost),
            format!("http://localhost:{}", addr.port())
        );
        assert_eq!(
            listener.redirect_uri(RedirectHost::Ip),
            format!("http://127.0.0.1:{}", addr.port())
        );
        // Another interface is refused.
        let any = TcpListener::bind("0.0.0.0:0").unwrap();
        let err = LoopbackListener::from_tcp(any).unwrap_err();
        assert!(err.message.contains("must be on 127.0.0.1"));
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
        // Both callbacks are sent before the listener looks at either.
        let first = std::thread::spawn(move || get(addr, "/?code=first&state=s"));
        std::thread::sleep(Duration::from_millis(50));
        let second = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = write!(
                s,
                "GET /?code=second&state=s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            );
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            out
        });
        std::thread::sleep(Duration::from_millis(50));
        let clock = clock();
        let code = listener
            .wait_for_code("s", &clock, Duration::from_secs(300), None)
            .unwrap();
        assert_eq!(code.expose(), "first");
        assert_eq!(first.join().unwrap().0, 200);
        let second = second.join().unwrap();
        assert!(second.starts_with("HTTP/1.1 409"), "{second}");
        assert!(second.contains("already finished"));
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
        let listener = LoopbackListener::bind(None).unwrap();
        let clock = std::sync::Arc::new(clock());
        let mover = {
            let clock = clock.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                clock.advance(Duration::from_secs(301));
            })
        };
        let err = listener
            .wait_for_code("s", clock.as_ref(), Duration::from_secs(300), None)
            .unwrap_err();
        assert!(err.message.contains("within 300 s"));
        mover.join().unwrap();
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
        // The socket is closed once the listener is gone.
        std::thread::sleep(Duration::from_millis(50));
        let reached = TcpStream::connect(addr).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2)))?;
            write!(
                s,
                "GET /?code=x&state=s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            Ok(out)
        });
        assert!(reached
            .map(|s| !s.starts_with("HTTP/1.1 200"))
            .unwrap_or(true));
    }
}
