//! Helpers the server tests share: a real nats-server with JetStream and a WebSocket listener on free loopback
//! ports (stopped when dropped), and `kvplay serve`'s server started in this process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub child: Child,
    pub dir: PathBuf,
    pub port: u16,
    /// The WebSocket listener's port (what the page connects to).
    pub ws_port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn start_server(root: &Path, n: usize) -> Server {
    start_server_with(root, n, &[])
}

/// Starts nats-server with JetStream on a free loopback port, with extra arguments (authentication).
pub fn start_server_with(root: &Path, n: usize, extra: &[&str]) -> Server {
    start_server_conf(root, n, extra, "")
}

/// As `start_server_with`, with more configuration (an authorization block).
pub fn start_server_conf(root: &Path, n: usize, extra: &[&str], conf_extra: &str) -> Server {
    // `KVPLAY_NATS_SERVER` names another nats-server binary (a machine whose tools live elsewhere).
    let bin = std::env::var_os("KVPLAY_NATS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools/venv/bin/nats-server"));
    assert!(bin.exists(), "the real nats-server is not installed: run `bash scripts/setup.sh`");
    let dir = std::env::temp_dir().join(format!("kvplay-conf-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("server dir");
    // Ports can still be taken between choosing and binding (by another program): a start that fails is tried
    // again on other ports, and the last failure says what nats-server printed.
    let mut last = String::new();
    for _ in 0..3 {
        let (port, ws_port) = (free_port(), free_port());
        let conf = dir.join("server.conf");
        std::fs::write(
            &conf,
            format!("{conf_extra}\nwebsocket {{\n  listen: \"127.0.0.1:{ws_port}\"\n  no_tls: true\n}}\n"),
        )
        .expect("server config");
        let log = dir.join("nats-server.log");
        let mut child = Command::new(&bin)
            .arg("-c")
            .arg(&conf)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js"])
            .args(extra)
            .arg("-sd")
            .arg(dir.join("js"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("server log"))
            .spawn()
            .expect("start nats-server");
        // A busy machine can take seconds to start it: wait up to 30 s, unless it has exited.
        let mut ready = false;
        for _ in 0..600 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", ws_port)).is_ok()
            {
                ready = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if ready {
            return Server { child, dir, port, ws_port };
        }
        let _ = child.kill();
        let _ = child.wait();
        last = format!(
            "nats-server did not listen on ports {port} and {ws_port} within 30 s; it printed:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    panic!("{last}");
}

/// A loopback port nothing listens on, for a server a test starts. Chosen below the range the system hands out
/// for outgoing connections and `bind(0)` (32768 and up), so another test's connection cannot take it before the
/// server binds it, and never the same twice in one test process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    // Each test process starts at its own place in the range, so two run at once rarely meet.
    let _ = NEXT.compare_exchange(
        u32::MAX,
        (std::process::id().wrapping_mul(7_919)) % SPAN,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..SPAN {
        let port = (LOW + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between {LOW} and {}", LOW + SPAN);
}

/// `kvplay serve`'s server in this process, on free loopback ports.
pub fn start_kvplay_serve() -> nats_kv_playground::net::Running {
    use nats_kv_playground::net;
    use nats_kv_playground::server::ServerOptions;
    net::start(net::ServeOptions {
        addr: "127.0.0.1".into(),
        port: 0,
        websocket_port: Some(0),
        http_port: None,
        server: ServerOptions::default(),
        js_limits: None,
        trace: false,
    })
    .expect("kvplay serve starts")
}

/// The Python with nats-py the tests run: `KVPLAY_PYTHON`, or the project's venv.
pub fn python() -> PathBuf {
    let p =
        std::env::var_os("KVPLAY_PYTHON").map(PathBuf::from).unwrap_or_else(|| root().join(".tools/venv/bin/python"));
    assert!(p.exists(), "nats-py is not installed: run `bash scripts/setup.sh` (or name a Python with KVPLAY_PYTHON)");
    p
}

/// The project's root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
