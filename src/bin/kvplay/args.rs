//! kvplay's command line, declared with clap: the global flags, and one subcommand per thing kvplay does.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use nats_kv_playground::engine::{time::parse_rfc3339_utc, Nanos};

const AFTER_HELP: &str = "With no command, kvplay is an interactive shell with the nats kv commands.

Script lines: nats commands, '# comments', 'sleep 5s', 'confirm yes|no',
'interrupt' (stops watches), and '! nats ...' for a command expected to fail.";

/// Runs `nats kv` scripts and lessons headless, an interactive shell, a NATS server, or a workshop, over the same
/// code the browser runs.
#[derive(Debug, Parser)]
#[command(name = "kvplay", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The flags of the shell, `run` and `lesson`, taken before or after the command.
#[derive(Clone, Debug, Default, Args)]
pub struct Common {
    /// Start the virtual clock here (reproducible transcripts)
    #[arg(long, value_name = "RFC3339", value_parser = clock)]
    pub clock: Option<Nanos>,
    /// Answer every confirmation question with yes
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Run against a real nats-server instead of the embedded engine: its WebSocket listener (ws://host:port) or
    /// client port (nats://[user:pass@]host:port); a script's `sleep` then waits for real
    #[arg(short = 's', long, value_name = "URL")]
    pub server: Option<String>,
    /// With lesson: run its Python programs with PY (python3, with nats-py) against a kvplay serve started in this
    /// process (or the --server, a nats:// address); their sleeps move the served clock at once (real waits with
    /// --server)
    #[arg(long, value_name = "PY")]
    pub python: Option<String>,
}

impl Common {
    /// These flags, with those given after the command taking precedence.
    pub fn with(self, after: &Common) -> Common {
        Common {
            clock: after.clock.or(self.clock),
            yes: self.yes || after.yes,
            server: after.server.clone().or(self.server),
            python: after.python.clone().or(self.python),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run a script and print its transcript
    Run {
        #[arg(value_name = "FILE")]
        file: String,
        #[command(flatten)]
        common: Common,
    },
    /// Run a Markdown lesson step by step and report each step (PASS, DRIFT with its explanation, FAIL);
    /// built-in lessons: cli, python
    Lesson(LessonArgs),
    /// Print a command as a program for a client: python (nats-py), javascript (nats.js), rust (async-nats) or go
    /// (nats.go); with a FILE of commands (a script) instead, the whole session
    Code {
        #[arg(value_name = "LANG")]
        lang: String,
        /// A command, like 'nats kv put b k v', or a script FILE
        #[arg(value_name = "COMMAND|FILE", allow_hyphen_values = true)]
        what: String,
    },
    /// Print the cmds= value that embeds a script's commands in a page
    Embed {
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// The engine as a NATS server with JetStream for any client (nats-py, nats.js, the nats CLI); state stays in
    /// memory
    Serve(ServeArgs),
    /// Prepare (and run) a workshop on a real nats-server: an account per learner, the instructor's board, a join
    /// link for each learner
    Workshop(WorkshopArgs),
}

#[derive(Debug, Args)]
pub struct LessonArgs {
    /// A lesson file or a built-in lesson's name (with --check, any number of them)
    #[arg(value_name = "FILE|NAME", required = true)]
    pub lessons: Vec<String>,
    /// Validate every exercise's checks (syntax; buckets and keys the lesson creates) and report FILE:LINE for
    /// each problem, without running anything
    #[arg(long)]
    pub check: bool,
    /// In a workshop (with --server nats://NAME:PASS@HOST:PORT): write each step's verdict and the learner's
    /// presence into the instructor's progress bucket, as the page does
    #[arg(long, value_name = "NAME")]
    pub learner: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on
    #[arg(short = 'a', long = "addr", visible_alias = "net", default_value = "127.0.0.1")]
    pub addr: String,
    /// The client port
    #[arg(short = 'p', long, default_value = "4222", value_parser = port)]
    pub port: u16,
    /// The WebSocket port (0: none)
    #[arg(long = "websocket-port", visible_alias = "ws-port", default_value = "8080", value_parser = port)]
    pub websocket_port: u16,
    /// The monitoring port (/varz, /connz, /jsz, /healthz)
    #[arg(short = 'm', long = "http-port", visible_alias = "http_port", value_parser = port)]
    pub http_port: Option<u16>,
    /// A user clients must connect as (with --pass)
    #[arg(long, requires = "pass")]
    pub user: Option<String>,
    /// The user's password
    #[arg(long, requires = "user")]
    pub pass: Option<String>,
    /// A token clients must present
    #[arg(long, value_name = "TOKEN", conflicts_with = "user")]
    pub auth: Option<String>,
    /// The server's name
    #[arg(short = 'n', long = "name", visible_alias = "server_name")]
    pub name: Option<String>,
    /// Accepted as nats-server takes it (-js): JetStream is always on
    #[arg(long = "js", visible_alias = "jetstream")]
    pub js: bool,
    /// Accepted as nats-server takes it (-sd DIR): state stays in memory
    #[arg(long = "store-dir", visible_alias = "store_dir", value_name = "DIR")]
    pub store_dir: Option<String>,
    /// JetStream's server-wide memory limit in bytes (nats-server's max_memory_store; by default 3/4 of memory)
    #[arg(long = "max-mem", visible_alias = "max_memory_store", value_name = "BYTES", value_parser = bytes)]
    pub max_mem: Option<i64>,
    /// JetStream's server-wide storage limit in bytes (nats-server's max_file_store)
    #[arg(long = "max-file", visible_alias = "max_file_store", value_name = "BYTES", value_parser = bytes)]
    pub max_file: Option<i64>,
    /// The largest message a client may publish (1 MB)
    #[arg(long = "max-payload", visible_alias = "max_payload", value_name = "BYTES", value_parser = payload)]
    pub max_payload: Option<usize>,
    /// Trace the protocol: each operation a client sends and is sent, on standard error, as nats-server's -V
    #[arg(short = 'V', long = "trace")]
    pub trace: bool,
}

#[derive(Clone, Debug, Args)]
pub struct WorkshopArgs {
    /// The lesson files the learners take
    #[arg(value_name = "LESSON.md", required = true)]
    pub lessons: Vec<PathBuf>,
    /// How many learners (named learner01, learner02, ...)
    #[arg(long, value_name = "N", value_parser = seats, required_unless_present = "names", conflicts_with = "names")]
    pub seats: Option<usize>,
    /// The learners' names, comma-separated (letters, digits, '-' and '_')
    #[arg(long, value_name = "a,b,c", value_delimiter = ',')]
    pub names: Option<Vec<String>>,
    /// The folder the files go into (running again keeps its passwords)
    #[arg(long, value_name = "DIR", default_value = "workshop")]
    pub out: PathBuf,
    /// The host name or address the links use (the learners' machines must reach it)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The address nats-server and the web server listen on (by default the --host when it is a loopback
    /// address, every interface otherwise)
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// nats-server's client port
    #[arg(long, default_value = "4222", value_parser = port)]
    pub port: u16,
    /// nats-server's WebSocket port (the pages connect there)
    #[arg(long = "ws-port", default_value = "8080", value_parser = port)]
    pub ws_port: u16,
    /// The web server's port (the page, the lessons, workshop.json)
    #[arg(long = "http-port", default_value = "8000", value_parser = port)]
    pub http_port: u16,
    /// The built page's folder
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub site: PathBuf,
    /// The nats-server binary (by default the first on the PATH)
    #[arg(long = "nats-server", value_name = "PATH")]
    pub nats_server: Option<PathBuf>,
    /// Only write the files (for a server you run yourself, or a cluster)
    #[arg(long = "no-start")]
    pub no_start: bool,
    /// With --no-start: create the instructor's buckets on the running server the files configure (--host,
    /// --port), as the instructor, then exit
    #[arg(long = "create-buckets", requires = "no_start")]
    pub create_buckets: bool,
    /// Replicas of the instructor's buckets (3 on a cluster of three)
    #[arg(long, default_value = "1", value_parser = clap::value_parser!(i64).range(1..=5))]
    pub replicas: i64,
    /// Give everyone new passwords (the old links stop working)
    #[arg(long = "new-passwords")]
    pub new_passwords: bool,
    /// Memory storage per learner's account, in bytes (suffixes K, M, G: powers of 1024)
    #[arg(long = "learner-mem", value_name = "BYTES", default_value = "64M", value_parser = bytes)]
    pub learner_mem: i64,
    /// File storage per learner's account, in bytes (suffixes K, M, G)
    #[arg(long = "learner-file", value_name = "BYTES", default_value = "256M", value_parser = bytes)]
    pub learner_file: i64,
}

fn clock(v: &str) -> Result<Nanos, String> {
    parse_rfc3339_utc(v).ok_or_else(|| "--clock needs a time like 2026-01-01T00:00:00Z".to_string())
}

fn port(v: &str) -> Result<u16, String> {
    v.parse::<u16>().map_err(|_| format!("{v:?} is not a port number"))
}

fn seats(v: &str) -> Result<usize, String> {
    v.parse::<usize>().map_err(|_| format!("{v:?} is not a number of learners"))
}

/// A number of bytes, plain or with K, M or G (powers of 1024, as nats-server reads them).
fn bytes(v: &str) -> Result<i64, String> {
    let t = v.trim().to_ascii_uppercase();
    let t = t.trim_end_matches("IB").trim_end_matches('B');
    let (n, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1i64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    n.trim()
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{v:?} is not a number of bytes"))
}

fn payload(v: &str) -> Result<usize, String> {
    v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| format!("{v:?} is not a number of bytes"))
}

/// nats-server's own spellings that clap does not take (one dash, several letters): `-js`, `-sd DIR`.
pub fn normalise(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    args.map(|a| match a.to_str() {
        Some("-js") => "--js".into(),
        Some("-sd") => "--store-dir".into(),
        _ => a,
    })
    .collect()
}
