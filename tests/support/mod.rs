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
    let free = || {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("addr").port()
    };
    let (port, ws_port) = (free(), free());
    let dir = std::env::temp_dir().join(format!("kvplay-conf-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("server dir");
    let conf = dir.join("server.conf");
    std::fs::write(
        &conf,
        format!("{conf_extra}\nwebsocket {{\n  listen: \"127.0.0.1:{ws_port}\"\n  no_tls: true\n}}\n"),
    )
    .expect("server config");
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js"])
        .args(extra)
        .arg("-sd")
        .arg(dir.join("js"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    // A busy machine can take seconds to start it: wait up to 30 s, and say so if it never listens.
    let mut child = child;
    let ready = (0..600).any(|_| {
        let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && std::net::TcpStream::connect(("127.0.0.1", ws_port)).is_ok();
        if !up {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        up
    });
    if !ready {
        let _ = child.kill();
        panic!("nats-server did not listen on ports {port} and {ws_port} within 30 s");
    }
    Server { child, dir, port, ws_port }
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
