//! A real HTTP/1.1 receiver on 127.0.0.1:0 for webhook tests: it records
//! every request (headers and body) and answers each with the next status
//! of a script (the last one repeats), or never answers at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status this request was answered with (`None`: left hanging).
    pub answered: Option<u16>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

pub struct Receiver {
    pub port: u16,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
    pub fn requests(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// `script`: the statuses of the first answers, the last repeated;
/// `0` means "read the request and never answer".
pub async fn receiver(script: &[u16]) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::<Received>::new()));
    let sink = got.clone();
    let script = script.to_vec();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let sink = sink.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let mut line = String::new();
                r.read_line(&mut line).await.ok()?;
                let path = line.split_whitespace().nth(1)?.to_owned();
                let mut headers = HashMap::new();
                loop {
                    let mut h = String::new();
                    r.read_line(&mut h).await.ok()?;
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    let (k, v) = h.split_once(':')?;
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
                let len: usize = headers.get("content-length")?.parse().ok()?;
                let mut body = vec![0; len];
                r.read_exact(&mut body).await.ok()?;
                let status = {
                    let mut g = sink.lock().unwrap();
                    let status = *script.get(g.len()).or(script.last())?;
                    g.push(Received {
                        path,
                        headers,
                        body,
                        answered: (status != 0).then_some(status),
                    });
                    status
                };
                if status == 0 {
                    // Hold the connection open without answering.
                    let mut rest = Vec::new();
                    let _ = r.read_to_end(&mut rest).await;
                    return Some(());
                }
                let extra = if (300..400).contains(&status) {
                    format!("location: http://127.0.0.1:{port}/elsewhere\r\n")
                } else {
                    String::new()
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n{extra}\r\nok"
                );
                w.write_all(reply.as_bytes()).await.ok()?;
                w.shutdown().await.ok()
            });
        }
    });
    Receiver { port, got }
}

/// HMAC-SHA256 written out from RFC 2104 over plain SHA-256, so the test
/// does not check the sender's signature with the sender's own code.
pub fn rfc2104_hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([ipad.as_slice(), msg].concat());
    let outer = Sha256::digest([opad.as_slice(), inner.as_slice()].concat());
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks the signature headers of one request the way a receiver would.
pub fn assert_signed(r: &Received, secret: &str) {
    let ts = r
        .headers
        .get("x-tasklane-timestamp")
        .expect("timestamp header");
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - ts.parse::<i64>().unwrap();
    assert!((-5..300).contains(&age), "timestamp {ts} is {age} s old");
    let mut signed = ts.as_bytes().to_vec();
    signed.push(b'.');
    signed.extend_from_slice(&r.body);
    let expected = format!(
        "sha256={}",
        rfc2104_hmac_sha256_hex(secret.as_bytes(), &signed)
    );
    assert_eq!(r.headers.get("x-tasklane-signature"), Some(&expected));
    assert_eq!(
        r.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
}
