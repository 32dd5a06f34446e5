//! A real SMTP server for tests, in-process on a random port: it speaks enough of RFC 5321
//! for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps what it receives.
//!
//! Recipients whose address starts with `refus` get a permanent `550`, `temporaire` a
//! transient `451`: the two failure paths of the mailer.
//!
//! `start_tls` speaks SMTP over TLS (port 465 style) with a certificate for `localhost` and
//! `127.0.0.1` signed by the tests' own authority (`tls/ca.pem`, valid until 2126; the
//! authority's key was thrown away): the mailer trusts it through
//! `SMTP_EXTRA_ROOT_CERTIFICATES`, as a deployment would trust a private CA.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The authority the TLS sink's certificate chains to (PEM).
pub const TEST_CA: &str = include_str!("tls/ca.pem");
const SERVER_CERTIFICATE: &str = include_str!("tls/server.pem");
const SERVER_KEY: &str = include_str!("tls/server.key");

/// One message as received: envelope and raw content (headers and body, dot-unstuffed).
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_lowercase());
        let mut lines = self.data.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                return None;
            }
            if line.to_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_owned();
                while let Some(next) = lines.peek().filter(|next| next.starts_with([' ', '\t'])) {
                    value.push(' ');
                    value.push_str(next.trim());
                    lines.next();
                }
                return Some(value);
            }
        }
        None
    }

    /// The body with quoted-printable soft breaks removed, enough to find a link.
    pub fn body(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        body.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The value of `jeton=` in the first link of the body.
    pub fn token(&self) -> Option<String> {
        let body = self.body();
        let start = body.find("jeton=")? + "jeton=".len();
        Some(
            body[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// Credentials clients authenticated with (`AUTH PLAIN`).
    logins: Arc<Mutex<Vec<(String, String)>>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::listen(None).await
    }

    /// SMTP over TLS from the first byte (what `security: TLS` speaks).
    pub async fn start_tls() -> Self {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let certificates = CertificateDer::pem_slice_iter(SERVER_CERTIFICATE.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).expect("test key");
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .expect("server certificate");
        Self::listen(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn listen(tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let sink = Self {
            port: listener.local_addr().unwrap().port(),
            received: Arc::default(),
            logins: Arc::default(),
        };
        let (received, logins) = (sink.received.clone(), sink.logins.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (received, logins, tls) = (received.clone(), logins.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => session(stream, received, logins).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                session(stream, received, logins).await;
                            }
                        }
                    }
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn logins(&self) -> Vec<(String, String)> {
        self.logins.lock().unwrap().clone()
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Every message, once `count` of them arrived (the mailer sends in the background).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        crate::eventually(
            crate::lazily(|| format!("{count} emails, got {:?}", self.received())),
            || async move { Some(self.received()).filter(|received| received.len() >= count) },
        )
        .await
    }

    /// The messages to `recipient`, once `count` of them arrived.
    pub async fn wait_for_count_to(&self, recipient: &str, count: usize) -> Vec<Received> {
        crate::eventually(
            crate::lazily(|| {
                format!(
                    "{count} emails to {recipient}, got {:?}",
                    self.to(recipient)
                )
            }),
            || async move { Some(self.to(recipient)).filter(|received| received.len() >= count) },
        )
        .await
    }

    /// The latest message to `recipient` whose body holds `needle`, waited for (the mailer
    /// sends in the background). Bodies are quoted-printable: look for ASCII.
    pub async fn wait_for_to(&self, recipient: &str, needle: &str) -> Received {
        crate::eventually(
            crate::lazily(|| {
                format!(
                    "an email to {recipient} holding {needle:?}, got {:?}",
                    self.to(recipient)
                )
            }),
            || async move {
                self.to(recipient)
                    .into_iter()
                    .rev()
                    .find(|mail| mail.body().contains(needle))
            },
        )
        .await
    }

    /// The token (`jeton=`) of the latest message to `recipient`, once that message has one.
    pub async fn wait_for_token_to(&self, recipient: &str) -> String {
        crate::eventually(
            crate::lazily(|| {
                format!(
                    "a link emailed to {recipient}, got {:?}",
                    self.to(recipient)
                )
            }),
            || async move { self.to(recipient).last().and_then(Received::token) },
        )
        .await
    }

    /// The messages sent to `recipient`.
    pub fn to(&self, recipient: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(recipient)))
            .collect()
    }
}

async fn session<S: AsyncRead + AsyncWrite + Unpin + Send>(
    stream: S,
    received: Arc<Mutex<Vec<Received>>>,
    logins: Arc<Mutex<Vec<(String, String)>>>,
) {
    let (reader, mut writer) = tokio::io::split(stream);
    let mut lines = BufReader::new(reader);
    let _ = writer.write_all(b"220 sink ESMTP\r\n").await;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_uppercase();
        let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink\r\n250-AUTH PLAIN XOAUTH2\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("AUTH XOAUTH2 ") {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(command[13..].trim())
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&decoded).into_owned();
            let field = |name: &str| {
                text.split('\u{1}')
                    .find_map(|part| part.strip_prefix(name))
                    .unwrap_or_default()
                    .to_owned()
            };
            logins
                .lock()
                .unwrap()
                .push((format!("xoauth2:{}", field("user=")), field("auth=Bearer ")));
            b"235 2.7.0 Accepted\r\n"
        } else if upper.starts_with("AUTH PLAIN ") {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(command[11..].trim())
                .unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|byte| *byte == 0)
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect();
            if parts.len() == 3 {
                logins
                    .lock()
                    .unwrap()
                    .push((parts[1].clone(), parts[2].clone()));
                b"235 2.7.0 Authentication successful\r\n"
            } else {
                b"501 malformed\r\n"
            }
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command[10..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let recipient = address(&command[8..]);
            if recipient.starts_with("refus") {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else if recipient.starts_with("temporaire") {
                b"451 4.3.0 try again later\r\n"
            } else {
                to.push(recipient);
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            let _ = writer.write_all(b"354 end with .\r\n").await;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            received.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = writer.write_all(b"221 bye\r\n").await;
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        if writer.write_all(answer).await.is_err() {
            return;
        }
    }
}

fn address(text: &str) -> String {
    text.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}
