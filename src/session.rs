//! A terminal session: one line in, the terminal's output out. It owns the running watches and pending questions,
//! and is the single code path behind the browser terminal, `kvplay run` and the interactive `kvplay` shell.

use crate::cli::exec::{render_watch_entry, Chunk, Display, Outcome};
use crate::cli::parse::{self, ParseOutcome, Parsed};
use crate::engine::{ErrorKind, Nanos, WatchEvent, WatchId};

/// A terminal line, read once: what it is decides who handles it. The session runs commands, help and clear;
/// the clock's owner (the page, a lesson, a script) moves its clock for a `sleep` and then lets the session
/// collect what watches saw meanwhile (`Session::advance`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// Nothing to run.
    Empty,
    /// A `nats` command: its words after `nats`.
    Nats(Vec<String>),
    /// `sleep DURATION`: the clock moves forward by this many nanoseconds.
    Sleep(Nanos),
    /// `sleep` with a duration it cannot read: the shell's error.
    BadSleep(String),
    Help,
    Clear,
    /// Another program: the shell's "command not found".
    Unknown(String),
    /// Words the shell cannot split (an unclosed quote): its error.
    Unreadable(String),
}

impl Line {
    pub fn parse(text: &str) -> Line {
        let words = match parse::split_words(text) {
            Ok(w) => w,
            Err(e) => return Line::Unreadable(e),
        };
        let Some(first) = words.first() else { return Line::Empty };
        match first.as_str() {
            "nats" => Line::Nats(words[1..].to_vec()),
            "help" => Line::Help,
            "clear" => Line::Clear,
            "sleep" => {
                let d = words[1..].join(" ");
                // The shell's `sleep` takes seconds as a plain number too (`sleep 2`, `sleep 0.5`).
                let secs = || {
                    let plain = !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                    plain.then(|| parse::parse_cli_duration(&format!("{d}s"))).flatten()
                };
                match parse::parse_cli_duration(d.trim()).or_else(secs) {
                    Some(n) if n >= 0 && words.len() == 2 => Line::Sleep(n),
                    _ => Line::BadSleep(d),
                }
            }
            other => Line::Unknown(other.to_string()),
        }
    }

    /// Whether a session's history keeps the line (what a share link, an export and a reload replay): the
    /// commands and the clock moves.
    pub fn is_recorded(&self) -> bool {
        matches!(self, Line::Nats(_) | Line::Sleep(_))
    }

    /// Whether `text` is a line a history keeps (`is_recorded`).
    pub fn recorded(text: &str) -> bool {
        Line::parse(text).is_recorded()
    }

    /// The clock move a `sleep` line asks for.
    pub fn sleep(text: &str) -> Option<Nanos> {
        match Line::parse(text) {
            Line::Sleep(d) => Some(d),
            _ => None,
        }
    }
}

/// A watch that is running in the session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActiveWatch {
    pub id: WatchId,
    pub bucket: String,
    /// The command line that started it.
    pub line: String,
}

/// A question the session is waiting for an answer to.
#[derive(Clone, Debug)]
struct PendingConfirm {
    parsed: Parsed,
    prompt: String,
}

/// What one line did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineResult {
    pub chunks: Vec<Chunk>,
    /// False when the command failed (the CLI would exit non-zero).
    pub ok: bool,
    /// The session now waits for a yes/no answer to this question.
    pub question: Option<String>,
    /// The user asked to clear the screen.
    pub clear: bool,
    /// What the KV store's failure was, when the command failed on one (a bucket not found, a wrong last
    /// sequence, a timeout); deciders read this, not the rendered text.
    pub error: Option<ErrorKind>,
}

impl LineResult {
    pub fn done(chunks: Vec<Chunk>, ok: bool) -> LineResult {
        LineResult { chunks, ok, question: None, clear: false, error: None }
    }

    /// All output as one string, stdout and stderr interleaved as a terminal shows them.
    pub fn text(&self) -> String {
        self.chunks
            .iter()
            .map(|c| match c {
                Chunk::Out(s) | Chunk::Err(s) => s.as_str(),
            })
            .collect()
    }
}

const HELP: &str = "\
This terminal runs the nats command line against the KV store in this page.

  nats account info                 check that JetStream is enabled
  nats kv add BUCKET [--history N]  create a bucket
  nats kv put BUCKET KEY VALUE      store a value
  nats kv get BUCKET KEY            read it back
  nats kv create|update|del|purge   atomic writes and deletes
  nats kv history BUCKET KEY        every kept revision of a key
  nats kv watch BUCKET [KEY]        follow changes (Ctrl-C stops)
  nats kv ls [BUCKET]               list buckets or keys
  nats kv info BUCKET               bucket configuration and size

Add --help to any command for its flags, --trace to see the JetStream API
requests it makes. Other commands: help, clear, and sleep DURATION (5s, 1m)
to move the clock forward, as a TTL or an age limit needs.
";

/// A session over the embedded server in process: plain methods.
pub mod local {
    use super::*;
    use crate::backend::local::KvBackend;
    use crate::cli::exec::local::execute_traced;
    use crate::{plain_aw as aw, plain_fn as kv_fn};
    include!("session/terminal.rs");
}

/// A session over a connection: the same methods, `async`.
pub mod wire {
    use super::*;
    use crate::backend::wire::KvBackend;
    use crate::cli::exec::wire::execute_traced;
    use crate::{async_aw as aw, async_fn as kv_fn};
    include!("session/terminal.rs");
}

pub use local::Session;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_read_once_into_what_it_is() {
        assert_eq!(Line::parse("  "), Line::Empty);
        assert_eq!(Line::parse("nats kv ls"), Line::Nats(vec!["kv".into(), "ls".into()]));
        assert_eq!(Line::parse("sleep 1m30s"), Line::Sleep(90_000_000_000));
        assert_eq!(Line::parse("sleep 2"), Line::Sleep(2_000_000_000), "the shell's sleep takes plain seconds");
        assert_eq!(Line::parse("sleep 0.5"), Line::Sleep(500_000_000));
        assert_eq!(Line::parse("sleep 1e3"), Line::BadSleep("1e3".into()));
        assert_eq!(Line::parse("sleep"), Line::BadSleep(String::new()));
        assert_eq!(Line::parse("sleep -5s"), Line::BadSleep("-5s".into()));
        assert_eq!(Line::parse("help"), Line::Help);
        assert_eq!(Line::parse("clear"), Line::Clear);
        assert_eq!(Line::parse("ls -la"), Line::Unknown("ls".into()));
        assert!(matches!(Line::parse("nats kv put b k 'open"), Line::Unreadable(_)));
        assert!(Line::recorded("nats kv ls") && Line::recorded("sleep 5s"));
        assert!(!Line::recorded("sleep later") && !Line::recorded("help") && !Line::recorded("interrupt"));
    }

    #[test]
    fn a_sleep_alone_is_done_and_a_bad_one_is_the_shells_error() {
        let mut s = Session::new(crate::server::Standalone::embedded(0));
        let r = s.run_line("sleep 5s", 0);
        assert!(r.ok && r.chunks.is_empty());
        let r = s.run_line("sleep 5x", 0);
        assert!(!r.ok);
        assert_eq!(r.text(), "sleep: invalid time interval '5x'\n");
    }

    #[test]
    fn an_invalid_answer_gets_surveys_words_and_the_question_again() {
        let mut s = Session::new(crate::server::Standalone::embedded(0));
        s.run_line("nats kv add b", 0);
        s.run_line("nats kv put b k v", 0);
        let q = s.run_line("nats kv del b k", 0);
        assert_eq!(q.question.as_deref(), Some("Delete key b > k?"));
        let r = s.run_line("maybe", 0);
        assert_eq!(r.text(), "X Sorry, your reply was invalid: \"maybe\" is not a valid answer, please try again.\n");
        assert_eq!(r.question.as_deref(), Some("Delete key b > k?"));
        let r = s.run_line("y", 0);
        assert!(r.ok && r.question.is_none(), "{r:?}");
    }

    #[test]
    fn a_usage_error_prints_the_hint_before_the_usage() {
        let mut s = Session::new(crate::server::Standalone::embedded(0));
        let r = s.run_line("nats kv gett", 0);
        assert!(!r.ok);
        let Chunk::Err(err) = &r.chunks[0] else { panic!("{r:?}") };
        assert!(
            err.ends_with(", use --help for full help including flags and arguments\n\ndid you mean get?\n\n"),
            "{err}"
        );
        let Chunk::Out(usage) = &r.chunks[1] else { panic!("{r:?}") };
        assert!(usage.starts_with("usage: nats kv <command> [<args> ...]"), "{usage}");
    }
}
