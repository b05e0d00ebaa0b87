//! Running a parsed command against a backend and rendering what the `nats` CLI prints for it.

use super::format::{base64_if_not_printable, comma, humanize_duration, ibytes, timestamp, Cell, Columns, Table};
use super::parse::{parse_cli_duration, parse_go_uint, split_map_value, Parsed};
use crate::engine::stream::{RePublish, StreamSource};
use crate::engine::{
    Config, Entry, ErrorKind, KvError, Operation, SourceInfo, Status, StorageType, WatchId, WatchOptions,
};

/// One piece of terminal output: what the CLI writes to stdout, or to stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk {
    Out(String),
    Err(String),
}

/// How a command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It ran; `ok` is false when the CLI would exit non-zero, and `error` is then the failure's kind when the
    /// KV store gave one (a usage error has none).
    Done { chunks: Vec<Chunk>, ok: bool, error: Option<ErrorKind> },
    /// The CLI asks a yes/no question first; run again with the answer.
    Confirm { preface: String, prompt: String },
    /// A watch started; its events follow until it is stopped.
    Watching { id: WatchId, bucket: String },
}

/// Settings that change how output looks, not what it says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Display {
    /// The terminal's time zone, in seconds east of UTC.
    pub tz_offset_secs: i64,
    /// Output goes to a terminal that shows colour: natscli (through fatih/color) then colours `watch`'s
    /// operations with ANSI escapes; written to a file or a pipe it does not.
    pub color: bool,
}

/// The command language over the embedded server in process: plain functions.
pub mod local {
    use super::*;
    use crate::backend::local::KvBackend;
    use crate::cli::trace::local::Tracer;
    use crate::{plain_aw as aw, plain_fn as kv_fn};
    macro_rules! one {
        ($e:expr) => {
            $e as &mut dyn KvBackend
        };
    }
    include!("exec/command.rs");
}

/// The command language over a connection: the same functions, `async`.
pub mod wire {
    use super::*;
    use crate::backend::wire::KvBackend;
    use crate::cli::trace::wire::Tracer;
    use crate::{async_aw as aw, async_fn as kv_fn};
    macro_rules! one {
        ($e:expr) => {
            $e
        };
    }
    include!("exec/command.rs");
}

pub use local::{execute, execute_traced};

/// The CLI's one error line. Errors of the real-server client already carry the `nats: error: ` prefix; it is
/// printed once.
fn fail(e: impl Failure) -> Outcome {
    let error = e.kind();
    Outcome::Done { chunks: vec![Chunk::Err(format!("{}\n", error_text(&e.to_string())))], ok: false, error }
}

/// What a command can fail with: the store's errors carry their kind; the CLI's own (flags, confirmation) do not.
trait Failure: std::fmt::Display {
    fn kind(&self) -> Option<ErrorKind> {
        None
    }
}

impl Failure for KvError {
    fn kind(&self) -> Option<ErrorKind> {
        Some(self.kind)
    }
}
impl Failure for String {}
impl Failure for &str {}

fn out(s: String) -> Outcome {
    Outcome::Done { chunks: vec![Chunk::Out(s)], ok: true, error: None }
}

fn ok_empty() -> Outcome {
    Outcome::Done { chunks: Vec::new(), ok: true, error: None }
}

/// Parses a byte size as the CLI does ("1024", "1K", "10MB"); -1 for empty or negative.
pub fn parse_bytes(s: &str, bits: u32) -> Result<i64, String> {
    if s.is_empty() {
        return Ok(-1);
    }
    let s = s.trim();
    if s.starts_with('-') {
        return Ok(-1);
    }
    let max: i64 = if bits == 32 { i32::MAX as i64 } else { i64::MAX };
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("bytes value out of allowed range: maximum value {}", comma(max)));
    }
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    let invalid = || format!("invalid bytes specification {s}: bytes must end in B, K, KB, M, MB, G, GB, T or TB");
    if digits == 0 {
        return Err(invalid());
    }
    let num: i64 = s[..digits]
        .parse::<i64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("bytes value out of allowed range: maximum value {}", comma(max)))?;
    let suffix = &s[digits..];
    if !suffix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(invalid());
    }
    let shift = match suffix.to_ascii_uppercase().as_str() {
        "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(invalid()),
    };
    Ok(num.wrapping_shl(shift))
}

fn confirm(preface: String, prompt: String) -> Outcome {
    Outcome::Confirm { preface, prompt }
}

/// The bucket configuration `nats kv add` (or, from the bucket's status, `nats kv edit`) asks for.
pub fn bucket_config(p: &Parsed, existing: Option<&Status>) -> Result<Config, String> {
    let bucket = p.arg("bucket").unwrap_or("");
    let mut cfg = match existing {
        Some(st) => Config::from_stream_config(bucket, &st.config),
        None => Config::new(bucket),
    };
    // The CLI's own client makes the stream configuration, whoever made the bucket.
    cfg.mapping = crate::engine::Mapping::Go;
    let editing = existing.is_some();
    let set = |n: &str| !editing || p.is_set(n);
    if set("description") {
        cfg.description = p.flag("description").unwrap_or("").to_string();
    }
    if set("history") {
        cfg.history = p.flag("history").and_then(|h| h.parse().ok()).unwrap_or(1);
    }
    if set("ttl") {
        cfg.max_age = p.flag("ttl").and_then(parse_cli_duration).unwrap_or(0);
    }
    if set("marker-ttl") {
        cfg.limit_marker_ttl = p.flag("marker-ttl").and_then(parse_cli_duration).unwrap_or(0);
    }
    if set("replicas") {
        cfg.replicas = p.flag("replicas").and_then(|r| parse_go_uint(r).ok()).map(|r| r as i64).unwrap_or(1);
    }
    if set("max-value-size") {
        cfg.max_value_size = parse_bytes(p.flag("max-value-size").unwrap_or(""), 32)? as i32;
    }
    if set("max-bucket-size") {
        cfg.max_bytes = parse_bytes(p.flag("max-bucket-size").unwrap_or(""), 64)?;
    }
    if set("compress") {
        cfg.compression = p.bool("compress");
    }
    if !editing && p.flag("storage").is_some_and(|s| s.starts_with('m')) {
        cfg.storage = StorageType::Memory;
    }
    if set("metadata") {
        let mut m = crate::engine::index::TextMap::default();
        for kv in p.flag_all("metadata") {
            if let Ok((k, v)) = split_map_value(kv) {
                m.insert(k, v);
            }
        }
        cfg.metadata = m;
    }
    // natscli sets a republish directive when a destination is given (the server reads an empty source as `>`).
    if p.is_set("republish-destination") || (!editing && p.flag("republish-destination").is_some()) {
        cfg.republish = p.flag("republish-destination").filter(|d| !d.is_empty()).map(|dest| RePublish {
            src: p.flag("republish-source").filter(|s| !s.is_empty()).unwrap_or(">").to_string(),
            dest: dest.to_string(),
            headers_only: p.bool("republish-headers"),
        });
    }
    if let Some(m) = p.flag("mirror").filter(|m| !editing && !m.is_empty()) {
        cfg.mirror = Some(StreamSource { name: m.to_string(), ..Default::default() });
    }
    // `kv edit --source` adds to the bucket's sources, `kv add --source` names them all.
    for s in p.flag_all("source") {
        cfg.sources.push(StreamSource { name: s.to_string(), ..Default::default() });
    }
    if editing && p.bool("no-mirror") {
        cfg.mirror = None;
    }
    for unsupported in ["tags", "cluster"] {
        if p.is_set(unsupported) {
            return Err(format!(
                "--{unsupported} places a bucket in a cluster, which the embedded server is not part of"
            ));
        }
    }
    if p.is_set("mirror-domain") {
        return Err(
            "--mirror-domain mirrors a bucket of another JetStream domain, which the embedded server does not have"
                .into(),
        );
    }
    Ok(cfg)
}

/// The report `nats kv add`, `edit` and `info` print.
pub fn status_report(st: &Status, tz: i64) -> String {
    let c = &st.config;
    let mut cols = Columns::new(format!(
        "Information for Key-Value Store Bucket {} created {}",
        st.bucket,
        timestamp(st.created, tz)
    ));
    cols.title("Configuration");
    cols.row("Bucket Name", &st.bucket);
    cols.row("History Kept", comma(st.history()));
    cols.row("Values Stored", comma(st.values as i64));
    cols.row("Compressed", c.compression);
    cols.row("Per-Key TTL Supported", st.limit_marker_ttl() > 0);
    cols.row_if("Limit Marker TTL", humanize_duration(st.limit_marker_ttl()), st.limit_marker_ttl() > 0);
    cols.row("Backing Store Kind", "JetStream");
    cols.row_if("Description", &c.description, !c.description.is_empty());
    cols.row("Bucket Size", ibytes(st.bytes));
    cols.row("Maximum Bucket Size", if c.max_bytes == -1 { "unlimited".into() } else { ibytes(c.max_bytes as u64) });
    cols.row(
        "Maximum Value Size",
        if c.max_msg_size == -1 { "unlimited".into() } else { ibytes(c.max_msg_size as u64) },
    );
    cols.row("Maximum Age", if c.max_age <= 0 { "unlimited".into() } else { humanize_duration(c.max_age) });
    cols.row("JetStream Stream", &c.name);
    cols.row("Storage", c.storage.label());
    if let Some(r) = &c.republish {
        let label = if r.headers_only { "Republishing Headers" } else { "Republishing" };
        cols.row(label, format!("{} to {}", r.src, r.dest));
    }
    // natscli shows a duration for a source last heard from, "never" otherwise.
    let last_seen = |i: &SourceInfo| if i.active > 0 { humanize_duration(i.active) } else { "never".to_string() };
    if let (Some(m), Some(info)) = (&c.mirror, &st.mirror) {
        cols.title("Mirror Information");
        cols.row("Origin Bucket", m.name.strip_prefix("KV_").unwrap_or(&m.name));
        cols.row("Last Seen", last_seen(info));
        cols.row("Lag", comma(info.lag as i64));
    }
    if !st.sources.is_empty() {
        cols.title("Sources Information");
        for info in &st.sources {
            if c.sources.iter().any(|s| s.name == info.name) {
                cols.row("Source Bucket", info.name.strip_prefix("KV_").unwrap_or(&info.name));
            }
            cols.row("Last Seen", last_seen(info));
            cols.row("Lag", comma(info.lag as i64));
        }
    }
    let meta: Vec<(&String, &String)> = c.metadata.iter().filter(|(k, _)| !k.starts_with("_nats.")).collect();
    if !meta.is_empty() {
        cols.title("Metadata");
        for (k, v) in meta {
            cols.row(k, v);
        }
    }
    // natscli `showStatus` ends with the stream's cluster information, which a single server fills in too.
    if let Some(cl) = &st.cluster {
        cols.title("Cluster Information");
        cols.row("Name", &cl.name);
        cols.row("Leader", &cl.leader);
    }
    cols.render()
}

/// `-s URL`: the terminal has one connection (the embedded server, or the server the page connected to); a URL
/// naming it is accepted, any other gets an explanation instead of a silent switch.
fn check_server(connected: &str, servers: &str) -> Result<(), String> {
    fn norm(u: &str) -> String {
        let u = u.trim().trim_end_matches('/').to_ascii_lowercase();
        let (scheme, rest) = match u.split_once("://") {
            Some((s, r)) => (s.to_string(), r.to_string()),
            None => ("nats".to_string(), u.clone()),
        };
        let rest = rest.rsplit_once('@').map(|(_, h)| h.to_string()).unwrap_or(rest);
        let rest = rest.replace("localhost", "127.0.0.1");
        let default_port = match scheme.as_str() {
            "nats" | "tls" => Some("4222"),
            "ws" => Some("80"),
            "wss" => Some("443"),
            _ => None,
        };
        let rest = match default_port {
            Some(p) if !rest.contains(':') => format!("{rest}:{p}"),
            _ => rest,
        };
        format!("{scheme}://{rest}")
    }
    let want = norm(connected);
    if servers.split(',').any(|s| norm(s) == want) {
        return Ok(());
    }
    let here = if connected.starts_with("embedded:") {
        format!("the playground's embedded server ({connected})")
    } else {
        format!("the server the page is connected to ({connected})")
    };
    Err(format!(
        "this terminal runs against {here}, not {servers}: to use another server, connect the page to it with the \
         server bar (Connect, with the address of its WebSocket listener, such as ws://127.0.0.1:8080), then run \
         the command without -s"
    ))
}

fn render_get(e: &Entry, tz: i64) -> String {
    let mut s = format!("{} > {} revision: {} created @ {}\n\n", e.bucket, e.key, e.revision, timestamp(e.created, tz));
    let pv = base64_if_not_printable(&e.value);
    if pv.len() > 120 {
        s.push_str(&format!("Showing first 120 bytes of {}, use --raw for full data\n\n", comma(pv.len() as i64)));
        s.push_str(&pv[..120]);
        s.push('\n');
    } else {
        s.push_str(&pv);
        s.push('\n');
    }
    s.push('\n');
    s
}

fn short_value(v: &[u8]) -> String {
    let val = base64_if_not_printable(v);
    if val.len() > 40 {
        format!("{}...{}", &val[..15], &val[val.len() - 15..])
    } else {
        val
    }
}

fn history_table(bucket: &str, key: &str, h: &[Entry], tz: i64) -> String {
    let mut t =
        Table::new(format!("History for {bucket} > {key}"), &["Key", "Revision", "Op", "Created", "Length", "Value"]);
    for e in h {
        t.row(vec![
            Cell::Text(e.key.clone()),
            Cell::Number(e.revision.to_string()),
            Cell::Text(e.operation.cli_name().into()),
            Cell::Text(timestamp(e.created, tz)),
            Cell::Text(comma(e.value.len() as i64)),
            Cell::Text(short_value(&e.value)),
        ]);
    }
    t.render()
}

/// One watch event as the CLI prints it. On a colour terminal natscli colours the operation: `PUT` green,
/// `DELETE` and `PURGE` red (`watchAction`, fatih/color's `GreenString` and `RedString`).
pub fn render_watch_entry(e: &Entry, tz: i64, color: bool) -> String {
    let op = e.operation.cli_name();
    let paint = |code: &str| if color { format!("\x1b[{code}m{op}\x1b[0m") } else { op.to_string() };
    match e.operation {
        Operation::Put => format!(
            "[{}] {} {} > {}: {}\n",
            timestamp(e.created, tz),
            paint("32"),
            e.bucket,
            e.key,
            String::from_utf8_lossy(&e.value)
        ),
        _ => format!("[{}] {} {} > {}\n", timestamp(e.created, tz), paint("31"), e.bucket, e.key),
    }
}

/// An error as the CLI prints it, with one `nats: error: ` prefix whether or not the message has it already.
pub fn error_text(message: &str) -> String {
    format!("nats: error: {}", message.strip_prefix("nats: error: ").unwrap_or(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_has_one_prefix() {
        assert_eq!(error_text("nats: error: connection lost"), "nats: error: connection lost");
        assert_eq!(error_text("nats: key not found"), "nats: error: nats: key not found");
    }

    #[test]
    fn s_names_the_terminals_own_server_or_gets_an_explanation() {
        assert!(check_server("embedded://playground", "embedded://playground").is_ok());
        assert!(check_server("ws://127.0.0.1:8080", "ws://localhost:8080").is_ok());
        assert!(check_server("nats://127.0.0.1:4222", "nats://a:1,127.0.0.1").is_ok());
        let e = check_server("ws://127.0.0.1:8080", "nats://demo.nats.io").unwrap_err();
        assert!(e.contains("connected to (ws://127.0.0.1:8080)") && e.contains("without -s"), "{e}");
    }

    #[test]
    fn byte_sizes_parse_as_the_cli_parses_them() {
        assert_eq!(parse_bytes("", 32), Ok(-1));
        assert_eq!(parse_bytes("-1", 32), Ok(-1));
        assert_eq!(parse_bytes("1024", 32), Ok(1024));
        assert_eq!(parse_bytes("1K", 32), Ok(1024));
        assert_eq!(parse_bytes("2MB", 64), Ok(2 << 20));
        assert_eq!(parse_bytes("1kib", 64), Ok(1024));
        assert!(parse_bytes("ten", 32).unwrap_err().starts_with("invalid bytes specification ten"));
        assert!(parse_bytes("10XB", 32).is_err());
    }
}
