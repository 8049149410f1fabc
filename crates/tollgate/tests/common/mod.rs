//! Test harness: the real `tollgate` binary on real sockets, real backends, a real HTTP client.
#![allow(dead_code)]

pub mod backend;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub const BIN: &str = env!("CARGO_BIN_EXE_tollgate");

/// A running `tollgate serve`.
pub struct Tollgate {
    child: Option<Child>,
    pub data: SocketAddr,
    pub admin: SocketAddr,
    pub tls: Option<SocketAddr>,
    pub stdout: Vec<String>,
    pub data_dir: PathBuf,
}

fn addr_after(line: &str, prefix: &str) -> Option<SocketAddr> {
    let rest = line.strip_prefix(prefix)?;
    let rest = rest
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    rest.trim().parse().ok()
}

impl Tollgate {
    /// Starts `tollgate serve` on ephemeral ports with `data_dir` and `extra` arguments, and waits
    /// until it is serving.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Tollgate {
        Self::try_start(data_dir, extra).unwrap_or_else(|e| panic!("tollgate did not start: {e}"))
    }

    pub fn try_start(data_dir: &Path, extra: &[&str]) -> Result<Tollgate, String> {
        std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
        let stderr_path = data_dir.join(format!("stderr-{}.log", fastrand_suffix()));
        let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
        let mut child = Command::new(BIN)
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--poll-interval-ms",
                "50",
            ])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Keep draining so the child never blocks on a full pipe.
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        let (mut data, mut tls) = (None, None);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    data = data.or(addr_after(&line, "data plane listening on "));
                    tls = tls.or(addr_after(&line, "TLS data plane listening on "));
                    if let Some(admin) = addr_after(&line, "management listening on ") {
                        lines.push(line);
                        return Ok(Tollgate {
                            child: Some(child),
                            data: data.ok_or("no data plane address printed")?,
                            admin,
                            tls,
                            stdout: lines,
                            data_dir: data_dir.to_owned(),
                        });
                    }
                    lines.push(line);
                }
                Err(reason) => {
                    // Disconnected: stdout closed, the process is exiting; let it finish.
                    if reason == mpsc::RecvTimeoutError::Disconnected {
                        let end = Instant::now() + Duration::from_secs(5);
                        while child.try_wait().ok().flatten().is_none() && Instant::now() < end {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                    }
                    let status = child.try_wait().ok().flatten();
                    let _ = child.kill();
                    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                    return Err(format!(
                        "no start-up within 30 s (exit {status:?}); stdout: {lines:?}; stderr: {stderr}"
                    ));
                }
            }
        }
    }

    /// The API id printed for `name`.
    pub fn api_id(&self, name: &str) -> String {
        let prefix = format!("{name} (");
        self.stdout
            .iter()
            .find_map(|l| {
                l.strip_prefix(&prefix)
                    .and_then(|r| r.split(')').next())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("no API {name} in {:?}", self.stdout))
    }

    /// The id of the (first) API printed with a stage named `stage`.
    pub fn api_id_for_stage(&self, stage: &str) -> String {
        let suffix = format!(") stage {stage}:");
        self.stdout
            .iter()
            .find_map(|l| {
                let head = l.strip_suffix(&suffix)?;
                Some(head.rsplit_once(" (")?.1.to_owned())
            })
            .unwrap_or_else(|| panic!("no stage {stage} in {:?}", self.stdout))
    }

    /// `http://127.0.0.1:port/_aws/execute-api/{api}/{stage}{path}`.
    pub fn url(&self, api: &str, stage: &str, path: &str) -> String {
        format!("http://{}/_aws/execute-api/{api}/{stage}{path}", self.data)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("tollgate did not exit within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        let mut out = String::new();
        if let Ok(entries) = std::fs::read_dir(&self.data_dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with("stderr-") {
                    out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        out
    }
}

impl Drop for Tollgate {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn fastrand_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// Runs a `tollgate` subcommand to completion.
pub fn tollgate(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().expect("run tollgate")
}

/// A `tollgate serve` of one definition deployed at stage `prod`, with what tests call it with.
pub struct Served {
    pub _dir: tempfile::TempDir,
    pub server: Tollgate,
    pub http: Http,
    /// The API's id.
    pub id: String,
}

impl Served {
    /// Writes `doc` to a temporary directory, serves it at stage `prod` and finds the id of the
    /// API titled `title`.
    pub fn start(doc: &serde_json::Value, title: &str) -> Served {
        Served::start_with(doc, title, tempfile::tempdir().unwrap(), &[])
    }

    /// Like `start`, in `dir`, with extra `serve` arguments.
    pub fn start_with(
        doc: &serde_json::Value,
        title: &str,
        dir: tempfile::TempDir,
        extra: &[&str],
    ) -> Served {
        let file = write_definition(dir.path(), "api.json", doc);
        let mut args = vec!["--api", file.to_str().unwrap(), "--stage", "prod"];
        args.extend_from_slice(extra);
        let server = Tollgate::start(&dir.path().join("data"), &args);
        let id = server.api_id(title);
        Served {
            _dir: dir,
            server,
            http: Http::default(),
            id,
        }
    }

    /// The invoke URL of `path` on stage `prod`.
    pub fn url(&self, path: &str) -> String {
        self.server.url(&self.id, "prod", path)
    }
}

/// Writes a definition into `dir` and returns its path.
pub fn write_definition(dir: &Path, name: &str, doc: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    path
}

/// A response as a test sees it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// A plain HTTP/1.1 keep-alive client.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

impl Http {
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        self.try_send(method, url, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    pub async fn try_send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Reply, String> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(body.into()))
            .map_err(|e| e.to_string())?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn get(&self, url: &str) -> Reply {
        self.send(Method::GET, url, &[], Bytes::new()).await
    }
}

/// A MOCK method that answers `status` with `body`.
pub fn mock(status: u16, body: &str) -> serde_json::Value {
    serde_json::json!({
        "responses": {status.to_string(): {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": format!("{{\"statusCode\": {status}}}")},
            "responses": {"default": {"statusCode": status.to_string(), "responseTemplates": {"application/json": body}}}
        }
    })
}

/// A response read off a raw socket, as it was on the wire.
#[derive(Debug)]
pub struct RawReply {
    /// `HTTP/1.1 200 OK`.
    pub status_line: String,
    /// Names lower-cased, in wire order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one response (head, then `Content-Length` bytes of body) from `stream`, within 10 s.
pub async fn read_raw_reply(stream: &mut tokio::net::TcpStream) -> RawReply {
    use tokio::io::AsyncReadExt;
    let read = async {
        let mut data = Vec::new();
        let mut buf = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = stream.read(&mut buf).await.expect("read the response head");
            assert!(
                n > 0,
                "closed before a full head: {}",
                String::from_utf8_lossy(&data)
            );
            data.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = data[head_end + 4..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut buf).await.expect("read the response body");
            assert!(n > 0, "closed after {} of {length} body bytes", body.len());
            body.extend_from_slice(&buf[..n]);
        }
        RawReply {
            status_line,
            headers,
            body,
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("a response within 10 s")
}

/// Sends `request` as is on a new connection and reads one response.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> RawReply {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("send the request");
    read_raw_reply(&mut stream).await
}

/// Whether the server closes `stream` within `within` (reading and discarding what it sends).
pub async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let eof = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, eof).await.is_ok()
}
