//! The client natively: blocking links over TCP (`nats://`) and WebSocket (`ws://`, through the tungstenite
//! crate), and `RemoteKv`, the KvBackend `kvplay --server` and the conformance suite run scripts on. Every wait
//! is a blocking read with a timeout, so the client's futures finish on their first poll.

use std::cell::RefCell;
use std::future::Future;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::TcpStream;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::core::{conn_err, unreachable_err, Client, Dial, Link};
use super::url::{Scheme, ServerUrl};
use crate::backend::wire::KvBackend as _;
use crate::backend::{ConnectionInfo, KvBackend};
use crate::engine::{AccountInfo, Config, Entry, KvError, Nanos, Status, WatchEvent, WatchId, WatchOptions};

/// Runs a future whose waits all block: it is ready on the first poll (a later poll only if a wait yielded).
pub fn block_on<T>(f: impl Future<Output = T>) -> T {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

fn wall() -> Nanos {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as Nanos).unwrap_or(0)
}

fn lost(e: std::io::Error) -> KvError {
    conn_err(format!("nats: error: connection lost: {e}"))
}

fn closed() -> KvError {
    super::core::conn_err_kind(
        crate::engine::ErrorKind::ConnectionClosed,
        "nats: error: the server closed the connection",
    )
}

/// A blocking link.
pub enum NativeLink {
    Tcp(TcpStream),
    Ws(Box<tungstenite::WebSocket<TcpStream>>),
}

impl NativeLink {
    fn stream(&self) -> &TcpStream {
        match self {
            NativeLink::Tcp(s) => s,
            NativeLink::Ws(w) => w.get_ref(),
        }
    }
}

impl Link for NativeLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), KvError> {
        match self {
            NativeLink::Tcp(s) => s.write_all(bytes).map_err(lost),
            NativeLink::Ws(w) => w.send(tungstenite::Message::Binary(bytes.to_vec().into())).map_err(|e| match e {
                tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => closed(),
                e => conn_err(format!("nats: error: connection lost: {e}")),
            }),
        }
    }

    async fn recv(&mut self, timeout_ms: u64) -> Result<Vec<u8>, KvError> {
        let t = Duration::from_millis(timeout_ms.max(1));
        let _ = self.stream().set_read_timeout(Some(t));
        match self {
            NativeLink::Tcp(s) => {
                let mut buf = vec![0u8; 64 * 1024];
                match s.read(&mut buf) {
                    Ok(0) => Err(closed()),
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(buf)
                    }
                    Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => Ok(Vec::new()),
                    Err(e) => Err(lost(e)),
                }
            }
            NativeLink::Ws(w) => match w.read() {
                Ok(tungstenite::Message::Binary(b)) => Ok(b.to_vec()),
                Ok(tungstenite::Message::Text(t)) => Ok(t.as_bytes().to_vec()),
                Ok(tungstenite::Message::Close(_)) => Err(closed()),
                Ok(_) => Ok(Vec::new()),
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {
                    Ok(Vec::new())
                }
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => Err(closed()),
                Err(e) => Err(conn_err(format!("nats: error: connection lost: {e}"))),
            },
        }
    }

    fn close(&mut self) {
        match self {
            NativeLink::Tcp(s) => {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            NativeLink::Ws(w) => {
                let _ = w.close(None);
                let _ = w.flush();
                let _ = w.get_ref().shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// Dials natively.
pub struct NativeDial {
    start: Instant,
}

impl Default for NativeDial {
    fn default() -> Self {
        NativeDial { start: Instant::now() }
    }
}

impl Dial for NativeDial {
    type L = NativeLink;

    async fn dial(&self, url: &ServerUrl) -> Result<NativeLink, KvError> {
        let hostport = url.host_port();
        if url.scheme == Scheme::Wss {
            return Err(unreachable_err(
                "nats: error: wss:// needs TLS, which the native client does not make; use ws:// or nats://",
            ));
        }
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&hostport)
            .map_err(|e| unreachable_err(format!("nats: error: cannot resolve {hostport}: {e}")))?
            .next()
            .ok_or_else(|| unreachable_err(format!("nats: error: no address for {hostport}")))?;
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| unreachable_err(format!("nats: error: dial tcp {hostport}: {e}")))?;
        let _ = sock.set_nodelay(true);
        match url.scheme {
            Scheme::Nats => Ok(NativeLink::Tcp(sock)),
            _ => {
                let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
                let target = format!("ws://{hostport}{}", url.path);
                let (ws, _) = tungstenite::client::client(target.as_str(), sock).map_err(|e| {
                    unreachable_err(format!(
                        "nats: error: websocket handshake with {} failed: {e} (is it the server's websocket port?)",
                        url.display()
                    ))
                })?;
                Ok(NativeLink::Ws(Box::new(ws)))
            }
        }
    }

    async fn pause(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    fn wall(&self) -> Nanos {
        wall()
    }

    fn nonce(&self) -> u64 {
        wall() as u64 ^ (std::process::id() as u64).rotate_left(32)
    }
}

/// A connection to a real server as a KvBackend.
pub struct RemoteKv {
    c: RefCell<Client<NativeDial>>,
}

impl RemoteKv {
    /// Connects to `nats://[user:pass@]host:port`, `[token@]host:port` or `ws://host:port`.
    pub fn connect(url: &str) -> Result<RemoteKv, KvError> {
        let u = ServerUrl::parse(url).map_err(|e| unreachable_err(format!("nats: error: {e}")))?;
        Self::connect_url(u)
    }

    pub fn connect_url(url: ServerUrl) -> Result<RemoteKv, KvError> {
        let c = block_on(Client::connect(NativeDial::default(), url))?;
        Ok(RemoteKv { c: RefCell::new(c) })
    }

    /// Connects again after the connection was lost, resuming every watch.
    pub fn reconnect(&mut self) -> Result<(), KvError> {
        block_on(self.c.get_mut().reconnect())
    }

    /// The server's buckets in the playground's export format (see `Client::export`).
    pub fn export(
        &self,
        limit: usize,
        previous: Option<&crate::transfer::Export>,
    ) -> Result<crate::transfer::Export, KvError> {
        self.run(async |c| c.export(limit, previous).await)
    }

    /// A request on any subject (a workshop's progress put goes through an account import, not a bucket of
    /// this account): the reply's status, headers and data.
    pub fn request(
        &self,
        subject: &str,
        payload: &[u8],
    ) -> Result<(crate::server::wire::HeaderBlock, Vec<u8>), KvError> {
        self.run(async |c| c.request(subject, &[], payload).await)
    }

    fn run<T>(&self, f: impl AsyncFnOnce(&mut Client<NativeDial>) -> T) -> T {
        block_on(f(&mut self.c.borrow_mut()))
    }
}

impl KvBackend for RemoteKv {
    fn now(&self) -> Nanos {
        wall()
    }
    /// A real server keeps its own time: a script's `sleep` waits for real, as long as the script says.
    fn set_now(&mut self, now: Nanos) {
        self.run(async |c| c.set_now(now).await)
    }
    fn connection_info(&self) -> ConnectionInfo {
        self.c.borrow().connection_info()
    }
    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        self.run(async |c| c.account_info().await)
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        self.run(async |c| c.create_bucket(cfg).await)
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        self.run(async |c| c.update_bucket(cfg).await)
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        self.run(async |c| c.delete_bucket(bucket).await)
    }
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        self.run(async |c| c.status(bucket).await)
    }
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        self.run(async |c| c.bucket_names().await)
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        self.run(async |c| c.put(bucket, key, value).await)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        self.run(async |c| c.create(bucket, key, value, ttl).await)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        self.run(async |c| c.update(bucket, key, value, revision).await)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        self.run(async |c| c.delete(bucket, key).await)
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        self.run(async |c| c.purge(bucket, key, ttl).await)
    }
    fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        self.run(async |c| c.get(bucket, key).await)
    }
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        self.run(async |c| c.get_revision(bucket, key, revision).await)
    }
    fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        self.run(async |c| c.history(bucket, key).await)
    }
    fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        self.run(async |c| c.keys(bucket, filters).await)
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        self.run(async |c| c.watch(bucket, patterns, options).await)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        self.run(async |c| c.poll_watch(id).await)
    }
    fn stop_watch(&mut self, id: WatchId) {
        self.run(async |c| c.stop_watch(id).await)
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        self.run(async |c| c.purge_deletes(bucket).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ErrorKind;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A one-connection server on loopback that writes `greeting`, then answers each line it reads with what
    /// `answer` gives.
    fn fake_server(greeting: &'static str, answer: fn(&str) -> Option<&'static str>) -> String {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        std::thread::spawn(move || {
            let Ok((mut sock, _)) = l.accept() else { return };
            let _ = sock.write_all(greeting.as_bytes());
            let mut r = BufReader::new(sock.try_clone().expect("clone"));
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Some(a) = answer(line.trim_end()) {
                    let _ = sock.write_all(a.as_bytes());
                }
                line.clear();
            }
        });
        format!("nats://{addr}")
    }

    fn kind_of(url: &str) -> (ErrorKind, String) {
        match RemoteKv::connect(url) {
            Ok(_) => panic!("{url} connected"),
            Err(e) => (e.kind, e.message),
        }
    }

    #[test]
    fn connection_failures_carry_kinds_the_callers_decide_on() {
        // Nothing listens: unreachable.
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let (k, m) = kind_of(&format!("nats://127.0.0.1:{port}"));
        assert_eq!(k, ErrorKind::Unreachable, "{m}");
        assert!(m.starts_with("nats: error: dial tcp"), "{m}");
        // A bad address: unreachable, said at once.
        assert_eq!(kind_of("nats://[nope").0, ErrorKind::Unreachable);
        // Not a NATS server (a web server's answer): a protocol error.
        let url = fake_server("HTTP/1.1 400 Bad Request\r\n\r\n", |_| None);
        assert_eq!(kind_of(&url).0, ErrorKind::Protocol);
        // Credentials refused, as nats-server refuses them.
        let url = fake_server(
            "INFO {\"server_id\":\"x\",\"version\":\"2.15.1\",\"max_payload\":1048576,\"auth_required\":true,\"proto\":1,\"headers\":true}\r\n",
            |l| l.starts_with("CONNECT").then_some("-ERR 'Authorization Violation'\r\n"),
        );
        let (k, m) = kind_of(&url);
        assert_eq!(k, ErrorKind::Refused, "{m}");
        assert!(m.contains("authorization violation") && m.ends_with("the server refused these credentials"), "{m}");
    }
}
