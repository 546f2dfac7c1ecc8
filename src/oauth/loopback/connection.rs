//! One connection to the sign-in listener, on a thread of its own: read one request (bounded in
//! size and time), answer it, close. Whatever a local client does (send nothing, send forever,
//! pipeline requests and never read the answers), this thread gives up within its time limits
//! and the thread that waits for the sign-in never touches the socket.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Largest request read, request line and headers included. A browser's callback is well under
/// 2 KiB; anything larger is answered 431 and closed, so a client cannot make ado-scm hold more.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// Most header lines parsed; more is answered 431 too.
const MAX_HEADERS: usize = 64;

/// The parts of a request the listener looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub method: String,
    /// Path and query, as sent (`/?code=…&state=…`).
    pub target: String,
}

/// Why a request got no normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// Larger than [`MAX_REQUEST_BYTES`] or [`MAX_HEADERS`]: answered 431.
    TooLarge,
    /// Not HTTP: answered 400.
    Malformed,
    /// Closed, failed or too slow before a whole request came: closed without an answer.
    Gone,
}

/// An answer: status, reason and an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub html: String,
}

/// Reads one request within `limit` in all (not per read: a client trickling one byte at a time
/// is cut off too). Bytes after the request (pipelined requests) are never read.
pub fn read_request(stream: &mut TcpStream, limit: Duration) -> Result<Parsed, Unread> {
    let deadline = Instant::now() + limit;
    let mut buf = vec![0u8; MAX_REQUEST_BYTES];
    let mut len = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(Unread::Gone);
        }
        match stream.read(&mut buf[len..]) {
            Ok(0) => return Err(Unread::Gone),
            Ok(n) => len += n,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return Err(Unread::Gone),
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf[..len]) {
            Ok(httparse::Status::Complete(_)) => {
                return Ok(Parsed {
                    method: request.method.unwrap_or_default().to_string(),
                    target: request.path.unwrap_or_default().to_string(),
                })
            }
            Ok(httparse::Status::Partial) if len == buf.len() => return Err(Unread::TooLarge),
            Ok(httparse::Status::Partial) => continue,
            Err(httparse::Error::TooManyHeaders) => return Err(Unread::TooLarge),
            Err(_) => return Err(Unread::Malformed),
        }
    }
}

/// Writes the answer within `limit` and closes. A client that does not read gets cut off when
/// the write times out; only this connection's thread ever waited for it.
pub fn write_reply(mut stream: TcpStream, reply: &Reply, limit: Duration) {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        reply.status,
        reason(reply.status),
        reply.html.len()
    );
    if stream.set_write_timeout(Some(limit)).is_err() {
        return;
    }
    // The browser going away before reading the page changes nothing.
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(reply.html.as_bytes()))
        .and_then(|()| stream.flush());
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        431 => "Request Header Fields Too Large",
        _ => "",
    }
}
