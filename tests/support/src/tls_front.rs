//! HTTPS in front of a plain-HTTP server (the sandbox), with a certificate only a private test
//! authority signed (`tests/fixtures/tls/`): what an Azure DevOps Server or a proxy behind an
//! internal certificate authority looks like to ado-scm. rustls on the server side; each
//! connection carries one request, passed on with `Connection: close` and answered with what
//! the server behind sent back.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// How long one connection may take to send its request or to take its answer.
const IO_LIMIT: Duration = Duration::from_secs(10);

/// The fixtures' directory.
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tls")
}

/// The private authority's certificate (PEM): what `--ca-cert` is given.
pub fn test_authority_pem() -> PathBuf {
    fixtures().join("ca.pem")
}

pub struct TlsFront {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    passed_on: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TlsFront {
    /// HTTPS on a free loopback port, passing each request on to `upstream` (`host:port`).
    pub fn start(upstream: SocketAddr) -> TlsFront {
        let config = Arc::new(server_config());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let passed_on = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (connections, passed_on, stop) =
                (connections.clone(), passed_on.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (config, passed_on) = (config.clone(), passed_on.clone());
                    std::thread::spawn(move || {
                        if serve(stream, config, upstream).is_ok() {
                            passed_on.fetch_add(1, Ordering::SeqCst);
                        }
                    });
                }
            })
        };
        TlsFront {
            addr,
            connections,
            passed_on,
            stop,
            thread: Some(thread),
        }
    }

    /// `https://127.0.0.1:PORT` (the certificate names 127.0.0.1 and localhost).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// TCP connections accepted, whether or not their TLS handshake went through.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests that went through TLS and were answered from upstream.
    pub fn passed_on(&self) -> usize {
        self.passed_on.load(Ordering::SeqCst)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn server_config() -> ServerConfig {
    let chain = CertificateDer::pem_file_iter(fixtures().join("server.pem"))
        .expect("the server certificate")
        .collect::<Result<Vec<_>, _>>()
        .expect("a PEM certificate");
    let key = PrivateKeyDer::from_pem_file(fixtures().join("server.key")).expect("the server key");
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a usable certificate and key")
}

/// One connection: the TLS handshake, one request read whole, passed on, its answer sent back.
/// An error is a handshake the client refused, or a client that went away.
fn serve(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    upstream: SocketAddr,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_LIMIT))?;
    stream.set_write_timeout(Some(IO_LIMIT))?;
    let connection = ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = BufReader::new(StreamOwned::new(connection, stream));
    let request = read_request(&mut tls)?;
    let mut plain = TcpStream::connect(upstream)?;
    plain.set_read_timeout(Some(IO_LIMIT))?;
    plain.write_all(&request)?;
    let mut answer = Vec::new();
    plain.read_to_end(&mut answer)?;
    let tls = tls.get_mut();
    tls.write_all(&answer)?;
    tls.conn.send_close_notify();
    tls.flush()
}

/// The request's head with `Connection: close` in place of any connection header, then its
/// body (`Content-Length` bytes: ado-scm sends no chunked request).
fn read_request(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == "\r\n" {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        match name.to_ascii_lowercase().as_str() {
            "connection" => continue,
            "content-length" => {
                length = value.trim().parse().map_err(std::io::Error::other)?;
            }
            _ => {}
        }
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    head.extend_from_slice(&body);
    Ok(head)
}
