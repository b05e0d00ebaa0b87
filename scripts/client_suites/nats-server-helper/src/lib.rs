//! The test-server API async-nats's tests call (`run_server`, `run_basic_server`,
//! `run_server_with_port`, `run_cluster`, `set_lame_duck_mode`, `Server`), written for the
//! client-suite harness. Each server is a `nats-server` process from PATH, started with
//! nats-server's own flags (`-p`, `-c`, `--store_dir`, `-l`, `-P`); the harness's shim decides
//! which server that really is. The client port is read from the log file the server writes.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, fs, thread};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique() -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{}-{}", std::process::id(), t, COUNTER.fetch_add(1, Ordering::SeqCst))
}

pub struct Server {
    child: Child,
    args: Vec<String>,
    logfile: PathBuf,
    pidfile: PathBuf,
    store_dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.store_dir);
        if env::var_os("NATS_SERVER_HELPER_KEEP_LOGS").is_none() {
            let _ = fs::remove_file(&self.logfile);
        }
        let _ = fs::remove_file(&self.pidfile);
    }
}

/// The address after "client connections on " (nats-server) or "clients: nats://" (kvplay).
fn addr_in(log: &str) -> Option<String> {
    for marker in ["client connections on ", "clients:   nats://", "clients: nats://"] {
        if let Some(i) = log.find(marker) {
            let rest = &log[i + marker.len()..];
            let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            return Some(rest[..end].trim_start_matches("nats://").replace("0.0.0.0", "127.0.0.1"));
        }
    }
    None
}

fn json_number(info: &str, key: &str) -> Option<u64> {
    let i = info.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String = info[i..].trim_start().chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

impl Server {
    fn client_addr(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(log) = fs::read_to_string(&self.logfile) {
                if let Some(a) = addr_in(&log) {
                    return a;
                }
            }
            if Instant::now() > deadline {
                let log = fs::read_to_string(&self.logfile).unwrap_or_default();
                panic!("no client address in the server's log {:?}:\n{log}", self.logfile);
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn info(&self) -> String {
        let addr = self.client_addr();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpStream::connect(&addr) {
                Ok(s) => {
                    let mut line = String::new();
                    BufReader::new(s).read_line(&mut line).expect("did not receive INFO");
                    return line;
                }
                Err(e) if Instant::now() > deadline => panic!("cannot connect to {addr}: {e}"),
                Err(_) => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    pub fn client_port(&self) -> u16 {
        json_number(&self.info(), "port").expect("no port in INFO") as u16
    }

    pub fn client_url(&self) -> String {
        let info = self.info();
        let port = json_number(&info, "port").expect("no port in INFO");
        let scheme = if info.contains("\"tls_required\":true") { "tls" } else { "nats" };
        format!("{scheme}://127.0.0.1:{port}")
    }

    pub fn client_url_with(&self, user: &str, pass: &str) -> String {
        format!("nats://{user}:{pass}@127.0.0.1:{}", self.client_port())
    }

    pub fn client_url_with_token(&self, token: &str) -> String {
        format!("nats://{token}@127.0.0.1:{}", self.client_port())
    }

    pub fn client_pid(&self) -> usize {
        fs::read_to_string(&self.pidfile).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(self.child.id() as usize)
    }

    /// Stops the server and starts it again with the same flags (and so the same port, when the
    /// test gave one).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.logfile);
        self.child = spawn(&self.args);
        self.client_addr();
    }
}

fn spawn(args: &[String]) -> Child {
    Command::new("nats-server").args(args).spawn().expect("cannot start nats-server from PATH")
}

pub fn run_basic_server() -> Server {
    run_server("")
}

pub fn run_server(cfg: &str) -> Server {
    run_server_with_port(cfg, None)
}

pub fn run_server_with_port(cfg: &str, port: Option<&str>) -> Server {
    let id = unique();
    let tmp = env::temp_dir();
    let logfile = tmp.join(format!("nats-server-{id}.log"));
    let pidfile = tmp.join(format!("nats-server-{id}.pid"));
    let store_dir = tmp.join(format!("store-dir-{id}"));
    let mut args = vec![
        "--store_dir".to_string(),
        store_dir.to_string_lossy().into_owned(),
        "-p".to_string(),
        port.unwrap_or("-1").to_string(),
        "-l".to_string(),
        logfile.to_string_lossy().into_owned(),
        "-P".to_string(),
        pidfile.to_string_lossy().into_owned(),
    ];
    if !cfg.is_empty() {
        args.push("-c".into());
        args.push(cfg.into());
    }
    let child = spawn(&args);
    let server = Server { child, args, logfile, pidfile, store_dir };
    server.client_addr();
    server
}

/// A cluster is not something the harness starts: this is one server, so tests that need
/// replicas fail on both servers alike.
pub struct Cluster {
    servers: Vec<Server>,
}

impl Cluster {
    pub fn client_url(&self) -> String {
        self.servers[0].client_url()
    }
}

pub fn run_cluster(cfg: &str) -> Cluster {
    Cluster { servers: vec![run_server(cfg)] }
}

pub fn set_lame_duck_mode(s: &Server) {
    let _ = Command::new("nats-server").arg("--signal").arg(format!("ldm={}", s.client_pid())).status();
}
