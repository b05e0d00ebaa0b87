//! Every command as client code: a parsed `nats kv ...` or `nats account info` command as the same operation
//! written with nats-py, nats.js, async-nats and nats.go, as a runnable program (one command, or a whole session).

mod cell;
mod go;
mod javascript;
mod python;
mod rust;

pub use cell::cell;

use std::collections::BTreeMap;

use crate::cli::exec::parse_bytes;
use crate::cli::parse::{parse, parse_cli_duration, parse_go_uint, split_map_value, split_words, ParseOutcome, Parsed};
use crate::engine::time::Nanos;

/// A client library the playground writes code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Python,
    JavaScript,
    Rust,
    Go,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Python, Lang::JavaScript, Lang::Rust, Lang::Go];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Lang::Python => "Python",
            Lang::JavaScript => "JavaScript",
            Lang::Rust => "Rust",
            Lang::Go => "Go",
        }
    }
    /// The client library the code uses.
    pub fn client(self) -> &'static str {
        match self {
            Lang::Python => "nats-py",
            Lang::JavaScript => "nats.js (@nats-io/kv)",
            Lang::Rust => "async-nats",
            Lang::Go => "nats.go (jetstream)",
        }
    }
    /// The file extension of a program.
    pub fn ext(self) -> &'static str {
        match self {
            Lang::Python => "py",
            Lang::JavaScript => "mjs",
            Lang::Rust => "rs",
            Lang::Go => "go",
        }
    }
    /// Reads a language's name as `kvplay code` takes it.
    pub fn from_name(name: &str) -> Option<Lang> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "py" => Some(Lang::Python),
            "javascript" | "js" | "node" | "mjs" => Some(Lang::JavaScript),
            "rust" | "rs" => Some(Lang::Rust),
            "go" | "golang" => Some(Lang::Go),
            _ => None,
        }
    }
}

/// The bucket options a `kv add` or `kv edit` gave, decoded as the CLI decodes them. `None` is "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketOptions {
    pub description: Option<String>,
    pub history: Option<i64>,
    /// `--ttl`, the bucket's maximum age.
    pub ttl: Option<Nanos>,
    /// `--marker-ttl`: per-key TTLs and the limit markers' TTL.
    pub marker_ttl: Option<Nanos>,
    pub replicas: Option<i64>,
    /// -1 for unlimited.
    pub max_value_size: Option<i64>,
    /// -1 for unlimited.
    pub max_bytes: Option<i64>,
    pub memory: bool,
    pub compression: Option<bool>,
    pub metadata: Option<BTreeMap<String, String>>,
}

/// How a watch starts, as `kv watch`'s flags say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchFrom {
    /// `--history`: every kept revision first.
    pub history: bool,
    /// `--updates`: only values written from now on.
    pub updates: bool,
    /// `--revision N`.
    pub revision: u64,
    /// `--no-deletes`.
    pub ignore_deletes: bool,
}

/// A command as the operation it performs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    AccountInfo,
    AddBucket { bucket: String, options: BucketOptions },
    EditBucket { bucket: String, options: BucketOptions },
    DeleteBucket { bucket: String },
    Buckets,
    Info { bucket: String },
    Put { bucket: String, key: String, value: String },
    Create { bucket: String, key: String, value: String, ttl: Option<Nanos> },
    Update { bucket: String, key: String, value: String, revision: u64 },
    Get { bucket: String, key: String, revision: Option<u64> },
    Delete { bucket: String, key: String },
    Purge { bucket: String, key: String, ttl: Option<Nanos> },
    History { bucket: String, key: String },
    Revert { bucket: String, key: String, revision: u64 },
    Keys { bucket: String, filter: Option<String> },
    Watch { bucket: String, key: String, from: WatchFrom },
    Compact { bucket: String },
}

impl Op {
    /// Whether the operation runs until interrupted.
    pub fn is_watch(&self) -> bool {
        matches!(self, Op::Watch { .. })
    }
}

fn duration_flag(p: &Parsed, name: &str) -> Option<Nanos> {
    p.flag(name).and_then(parse_cli_duration).filter(|d| *d > 0)
}

fn bucket_options(p: &Parsed) -> Result<BucketOptions, String> {
    for unsupported in ["tags", "cluster"] {
        if p.is_set(unsupported) {
            return Err(format!("--{unsupported} is not translated: it places a bucket in a cluster"));
        }
    }
    // The playground runs these (`nats kv add`), the programs it writes do not set them yet.
    for untranslated in ["republish-source", "republish-destination", "mirror", "mirror-domain", "source"] {
        if p.is_set(untranslated) {
            return Err(format!("--{untranslated} is not translated into client code yet"));
        }
    }
    let bytes = |name: &str, bits: u32| -> Result<Option<i64>, String> {
        p.flag(name).map(|v| parse_bytes(v, bits)).transpose()
    };
    let metadata = p
        .is_set("metadata")
        .then(|| p.flag_all("metadata").iter().filter_map(|kv| split_map_value(kv).ok()).collect::<BTreeMap<_, _>>());
    Ok(BucketOptions {
        description: p.flag("description").map(str::to_string),
        history: p.flag("history").and_then(|h| h.parse().ok()),
        ttl: p.flag("ttl").and_then(parse_cli_duration),
        marker_ttl: p.flag("marker-ttl").and_then(parse_cli_duration),
        replicas: p.flag("replicas").and_then(|r| parse_go_uint(r).ok()).map(|r| r as i64),
        max_value_size: bytes("max-value-size", 32)?,
        max_bytes: bytes("max-bucket-size", 64)?,
        memory: p.flag("storage").is_some_and(|s| s.starts_with('m')),
        compression: p.is_set("compress").then(|| p.bool("compress")),
        metadata,
    })
}

/// The operation a parsed command performs; an error names what cannot be translated.
pub fn op(p: &Parsed) -> Result<Op, String> {
    if !p.spec.available {
        return Err(format!("nats {} has no client code here: the playground does not run it", p.spec.full_name()));
    }
    let arg = |n: &str| p.arg(n).unwrap_or("").to_string();
    let (bucket, key, value) = (arg("bucket"), arg("key"), arg("value"));
    Ok(match (p.spec.group, p.spec.name) {
        ("account", "info") => Op::AccountInfo,
        ("kv", "add") => Op::AddBucket { bucket, options: bucket_options(p)? },
        ("kv", "edit") => Op::EditBucket { bucket, options: bucket_options(p)? },
        ("kv", "put") => Op::Put { bucket, key, value },
        ("kv", "create") => Op::Create { bucket, key, value, ttl: duration_flag(p, "ttl") },
        ("kv", "update") => Op::Update { bucket, key, value, revision: p.uint("revision") },
        ("kv", "get") => Op::Get { bucket, key, revision: Some(p.uint("revision")).filter(|r| *r > 0) },
        ("kv", "del") if key.is_empty() => Op::DeleteBucket { bucket },
        ("kv", "del") => Op::Delete { bucket, key },
        ("kv", "purge") => Op::Purge { bucket, key, ttl: duration_flag(p, "ttl") },
        ("kv", "history") => Op::History { bucket, key },
        ("kv", "revert") => Op::Revert { bucket, key, revision: p.uint("revision") },
        ("kv", "info") if bucket.is_empty() => return Err("nats kv info needs a bucket to translate".into()),
        ("kv", "info") => Op::Info { bucket },
        ("kv", "watch") => Op::Watch {
            bucket,
            key: if key.is_empty() { ">".into() } else { key },
            from: WatchFrom {
                history: p.bool("history"),
                updates: p.bool("updates"),
                revision: p.uint("revision"),
                ignore_deletes: !p.bool("deletes"),
            },
        },
        ("kv", "ls") if bucket.is_empty() => Op::Buckets,
        ("kv", "ls") => Op::Keys { bucket, filter: Some(key).filter(|k| !k.is_empty()) },
        ("kv", "compact") => Op::Compact { bucket },
        _ => return Err(format!("nats {} has no client code here", p.spec.full_name())),
    })
}

/// Reads a typed line (with or without the leading `nats`) as an operation.
pub fn op_of_line(line: &str) -> Result<Op, String> {
    let words = split_words(line)?;
    let words = match words.first().map(String::as_str) {
        Some("nats") => &words[1..],
        _ => &words[..],
    };
    match parse(words) {
        ParseOutcome::Command(p) => op(&p),
        ParseOutcome::Help(_) => Err("help has no client code".into()),
        ParseOutcome::UsageError { message, .. } | ParseOutcome::Error(message) => Err(message),
    }
}

/// One step of a program: a command and what it does, or a pause of the playground's clock.
#[derive(Clone, Debug)]
enum Step {
    Run { line: String, op: Op },
    Sleep(Nanos),
    Skip { line: String, why: String },
}

/// How each language writes a program: its opening, one statement per operation, its ending.
trait Writer {
    /// The program's opening up to the first statement (imports, connection), knowing every operation.
    fn head(&self, ops: &[&Op], single: bool, sleeps: bool) -> String;
    /// One operation's statements, without indentation; errors leave them with the language's usual way.
    fn op(&self, op: &Op) -> String;
    /// A pause, in seconds.
    fn sleep(&self, secs: &str) -> String;
    /// A comment line.
    fn comment(&self, text: &str) -> String;
    /// Statements that report a failure and go on, as the session went on past a refused write.
    fn guarded(&self, line: &str, body: &str) -> String;
    /// The statements of a single-command program, as the body of its main function.
    fn single(&self, body: &str) -> String {
        body.to_string()
    }
    /// The program's ending.
    fn tail(&self, single: bool) -> String;
    /// The indentation of the main function's body.
    fn indent(&self) -> &'static str;
}

fn writer(lang: Lang) -> &'static dyn Writer {
    match lang {
        Lang::Python => &python::Python,
        Lang::JavaScript => &javascript::JavaScript,
        Lang::Rust => &rust::Rust,
        Lang::Go => &go::Go,
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("{by}{l}\n") }).collect()
}

fn assemble(lang: Lang, steps: &[Step], single: bool) -> String {
    let w = writer(lang);
    let ops: Vec<&Op> =
        steps.iter().filter_map(|s| if let Step::Run { op, .. } = s { Some(op) } else { None }).collect();
    let sleeps = steps.iter().any(|s| matches!(s, Step::Sleep(_)));
    let mut s = w.head(&ops, single, sleeps);
    let mut body = String::new();
    for step in steps {
        match step {
            Step::Run { line, op } if single => {
                let _ = line;
                body.push_str(&w.single(&w.op(op)));
            }
            Step::Run { line, op } if op.is_watch() => {
                body.push_str(&w.comment(&format!("{line}: a watch runs until interrupted, see its own program")));
            }
            Step::Run { line, op } => body.push_str(&w.guarded(line, &w.op(op))),
            Step::Sleep(d) => {
                body.push_str(&w.sleep(&seconds(*d)));
            }
            Step::Skip { line, why } => body.push_str(&w.comment(&format!("not translated: {line} ({why})"))),
        }
    }
    s.push_str(&indent(&body, w.indent()));
    s.push_str(&w.tail(single));
    s
}

/// A program doing what one typed command does.
pub fn snippet(lang: Lang, line: &str) -> Result<String, String> {
    let op = op_of_line(line)?;
    let line = line.trim();
    let line = if line.starts_with("nats ") { line.to_string() } else { format!("nats {line}") };
    Ok(assemble(lang, &[Step::Run { line, op }], true))
}

/// The commands of a session (with the clock's moves as `sleep` lines) as one program in a language. Commands the
/// CLI would ask about run without asking (the session answered yes); a failed step prints its error and the
/// program goes on; watches are left to their own programs.
pub fn program(lang: Lang, commands: &[String]) -> String {
    let mut steps = Vec::new();
    for c in &crate::transfer::commands_done(commands) {
        let c = c.trim();
        if let Some(d) = crate::session::Line::sleep(c) {
            steps.push(Step::Sleep(d));
            continue;
        }
        if !c.starts_with("nats ") {
            continue;
        }
        match op_of_line(c) {
            Ok(op) => steps.push(Step::Run { line: c.to_string(), op }),
            Err(why) => steps.push(Step::Skip { line: c.to_string(), why }),
        }
    }
    assemble(lang, &steps, false)
}

/// Seconds as a decimal literal with no needless fraction: `10`, `0.5`.
fn seconds(d: Nanos) -> String {
    let whole = d / 1_000_000_000;
    let frac = d % 1_000_000_000;
    if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

/// Milliseconds, whole.
fn millis(d: Nanos) -> i64 {
    d / 1_000_000
}

/// A TTL as the `Nats-TTL` header takes it (a Go duration): `90s`, `1500ms`.
fn ttl_header(d: Nanos) -> String {
    if d % 1_000_000_000 == 0 {
        format!("{}s", d / 1_000_000_000)
    } else {
        format!("{}ms", d / 1_000_000)
    }
}

/// A double-quoted string literal that Python, JavaScript and Go all read back as `s` (Rust needs `\u{..}`).
fn quote(s: &str, rust: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                if rust {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                } else {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The stream that holds a bucket.
fn stream_name(bucket: &str) -> String {
    format!("KV_{bucket}")
}

/// The comment each program opens with.
fn banner(lang: Lang, single: bool) -> String {
    let what = if single { "the command" } else { "the session's commands" };
    format!("Generated by the NATS KV Playground: {what}, written with {}.", lang.client())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_each_language_needs() {
        assert_eq!(quote("a\"b\\c\nd\u{1}é", false), "\"a\\\"b\\\\c\\nd\\u0001é\"");
        assert_eq!(quote("\u{1}", true), "\"\\u{1}\"");
        assert_eq!(seconds(1_500_000_000), "1.5");
        assert_eq!(seconds(60_000_000_000), "60");
        assert_eq!(ttl_header(90_000_000_000), "90s");
    }

    #[test]
    fn commands_become_operations_with_their_flags() {
        let op = op_of_line("nats kv add b --history 5 --ttl 1m --max-value-size 1K --storage memory --compress --metadata a:b --description 'd x'")
            .expect("op");
        let Op::AddBucket { bucket, options } = op else { panic!("{op:?}") };
        assert_eq!(bucket, "b");
        assert_eq!(options.history, Some(5));
        assert_eq!(options.ttl, Some(60_000_000_000));
        assert_eq!(options.max_value_size, Some(1024));
        assert!(options.memory);
        assert_eq!(options.compression, Some(true));
        assert_eq!(options.metadata.as_ref().and_then(|m| m.get("a")).map(String::as_str), Some("b"));
        assert_eq!(options.description.as_deref(), Some("d x"));
        assert!(matches!(op_of_line("kv get b k --revision 3"), Ok(Op::Get { revision: Some(3), .. })));
        assert!(matches!(op_of_line("nats kv del b -f"), Ok(Op::DeleteBucket { .. })));
        assert!(op_of_line("nats kv get b").is_err());
        assert!(op_of_line("nats kv add b --mirror x").is_err());
        assert!(op_of_line("nats account report").is_err());
    }

    #[test]
    fn every_language_writes_every_operation() {
        let corpus = [
            "nats account info",
            "nats kv add b --history 5 --ttl 1m --marker-ttl 2s --replicas 1 --max-value-size 1K --max-bucket-size 1M --storage memory --compress --metadata a:b --description d",
            "nats kv edit b --history 3 --description e --no-compress --metadata x:y",
            "nats kv put b k v",
            "nats kv create b k v --ttl 10s",
            "nats kv update b k v 3",
            "nats kv get b k",
            "nats kv get b k --revision 2",
            "nats kv del b k -f",
            "nats kv purge b k -f --ttl 5s",
            "nats kv history b k",
            "nats kv revert b k 2 --force",
            "nats kv info b",
            "nats kv watch b 'k.>' --history --no-deletes",
            "nats kv watch b --updates",
            "nats kv watch b --revision 4",
            "nats kv ls",
            "nats kv ls b",
            "nats kv compact b -f",
            "nats kv del b -f",
        ];
        for lang in Lang::ALL {
            for line in corpus {
                let code = snippet(lang, line).unwrap_or_else(|e| panic!("{line}: {e}"));
                assert!(code.contains("Generated by the NATS KV Playground"), "{lang:?} {line}:\n{code}");
            }
            let session: Vec<String> = corpus.iter().map(|s| s.to_string()).chain(["sleep 5s".to_string()]).collect();
            let prog = program(lang, &session);
            assert!(prog.contains("a watch runs until interrupted"), "{lang:?}:\n{prog}");
        }
    }
}
