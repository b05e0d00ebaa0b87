//! A terminal session: one line in, the terminal's output out. It owns the running watches and pending questions,
//! and is the single code path behind the browser terminal, `kvplay run` and the interactive `kvplay` shell.

use crate::backend::KvBackend;
use crate::cli::exec::{self, render_watch_entry, Chunk, Display, Outcome};
use crate::cli::parse::{self, ParseOutcome, Parsed};
use crate::engine::{Nanos, WatchEvent, WatchId};

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
}

impl LineResult {
    fn done(chunks: Vec<Chunk>, ok: bool) -> LineResult {
        LineResult { chunks, ok, question: None, clear: false }
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

/// A terminal session over a backend. Cloning it (with a cheap backend) saves the state a replayed run restores.
#[derive(Clone)]
pub struct Session<B: KvBackend> {
    pub backend: B,
    pub display: Display,
    watches: Vec<ActiveWatch>,
    pending: Option<PendingConfirm>,
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
requests it makes. Other commands: help, clear.
";

impl<B: KvBackend> Session<B> {
    pub fn new(backend: B) -> Session<B> {
        Session { backend, display: Display::default(), watches: Vec::new(), pending: None }
    }

    pub fn watches(&self) -> &[ActiveWatch] {
        &self.watches
    }

    /// Takes over the watches another session started on this backend (the first load's hand-over).
    pub fn resume_watches(&mut self, watches: Vec<ActiveWatch>) {
        self.watches = watches;
    }

    /// The question waiting for an answer, if any.
    pub fn question(&self) -> Option<&str> {
        self.pending.as_ref().map(|p| p.prompt.as_str())
    }

    /// Runs one line at time `now`, then collects what running watches saw.
    pub fn run_line(&mut self, line: &str, now: Nanos) -> LineResult {
        self.backend.set_now(now);
        let mut r = self.run_line_inner(line);
        r.chunks.extend(self.poll_watches());
        r
    }

    fn run_line_inner(&mut self, line: &str) -> LineResult {
        if self.pending.is_some() {
            return match line.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => self.answer(true),
                "n" | "no" | "" => self.answer(false),
                // survey's Confirm: its error line, then the question again (AlecAivazis/survey `confirm.go`,
                // `renderer.go` ErrorTemplate with the default error icon "X").
                _ => LineResult {
                    chunks: vec![Chunk::Err(format!(
                        "X Sorry, your reply was invalid: {:?} is not a valid answer, please try again.\n",
                        line.trim()
                    ))],
                    ok: true,
                    question: self.question().map(str::to_string),
                    clear: false,
                },
            };
        }
        let words = match parse::split_words(line) {
            Ok(w) => w,
            Err(e) => return LineResult::done(vec![Chunk::Err(format!("sh: {e}\n"))], false),
        };
        let Some(first) = words.first() else {
            return LineResult::done(Vec::new(), true);
        };
        match first.as_str() {
            "nats" => {}
            "help" => return LineResult::done(vec![Chunk::Out(HELP.to_string())], true),
            "clear" => return LineResult { clear: true, ..LineResult::done(Vec::new(), true) },
            other => {
                return LineResult::done(
                    vec![Chunk::Err(format!(
                        "sh: {other}: command not found (this terminal runs nats commands; type help)\n"
                    ))],
                    false,
                )
            }
        }
        match parse::parse(&words[1..]) {
            ParseOutcome::Command(p) => self.execute(p, line, None),
            ParseOutcome::Help(u) => LineResult::done(vec![Chunk::Out(u)], true),
            ParseOutcome::UsageError { message, hint, usage } => {
                let mut err = format!("error: {message}\n\n");
                if let Some(h) = hint {
                    err.push_str(&format!("{h}\n\n"));
                }
                LineResult::done(vec![Chunk::Err(err), Chunk::Out(usage)], false)
            }
            ParseOutcome::Error(e) => LineResult::done(vec![Chunk::Err(format!("nats: error: {e}\n"))], false),
        }
    }

    fn execute(&mut self, p: Parsed, line: &str, confirmed: Option<bool>) -> LineResult {
        let (outcome, trace) = exec::execute_traced(&mut self.backend, &p, self.display, confirmed);
        let mut r = match outcome {
            Outcome::Done { chunks, ok } => LineResult::done(chunks, ok),
            Outcome::Confirm { preface, prompt } => {
                self.pending = Some(PendingConfirm { parsed: p, prompt: prompt.clone() });
                let chunks = if preface.is_empty() { Vec::new() } else { vec![Chunk::Out(preface)] };
                LineResult { chunks, ok: true, question: Some(prompt), clear: false }
            }
            Outcome::Watching { id, bucket } => {
                self.watches.push(ActiveWatch { id, bucket, line: line.to_string() });
                LineResult::done(Vec::new(), true)
            }
        };
        if !trace.is_empty() {
            r.chunks.insert(0, Chunk::Err(trace));
        }
        r
    }

    /// Answers the pending question. The CLI echoes the answer after the prompt.
    pub fn answer(&mut self, yes: bool) -> LineResult {
        let Some(p) = self.pending.take() else {
            return LineResult::done(Vec::new(), true);
        };
        let echo = format!("? {} {}\n", p.prompt, if yes { "Yes" } else { "No" });
        let mut r = self.execute(p.parsed, "", Some(yes));
        r.chunks.insert(0, Chunk::Out(echo));
        r
    }

    /// Gives up on the pending question as the CLI does when no terminal can answer it.
    pub fn refuse_question(&mut self) -> LineResult {
        self.pending = None;
        LineResult::done(
            vec![Chunk::Err("nats: error: cannot ask for confirmation without a terminal\n".into())],
            false,
        )
    }

    /// Collects the output of every running watch, in the order the watches were started.
    pub fn poll_watches(&mut self) -> Vec<Chunk> {
        let mut chunks = Vec::new();
        let mut ended = Vec::new();
        for w in &self.watches {
            for ev in self.backend.poll_watch(w.id) {
                match ev {
                    WatchEvent::Entry(e) => {
                        chunks.push(Chunk::Out(render_watch_entry(&e, self.display.tz_offset_secs, self.display.color)))
                    }
                    WatchEvent::InitialValuesDone => {}
                    WatchEvent::Closed => ended.push(w.id),
                }
            }
        }
        self.watches.retain(|w| !ended.contains(&w.id));
        chunks
    }

    /// Advances time (the clock's fast-forward, or a script's `sleep`) and returns what watches saw meanwhile.
    pub fn advance(&mut self, now: Nanos) -> Vec<Chunk> {
        self.backend.set_now(now);
        self.poll_watches()
    }

    /// Stops every running watch (Ctrl-C).
    pub fn interrupt(&mut self) -> usize {
        let n = self.watches.len();
        for w in self.watches.drain(..) {
            self.backend.stop_watch(w.id);
        }
        self.pending = None;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;

    #[test]
    fn an_invalid_answer_gets_surveys_words_and_the_question_again() {
        let mut s = Session::new(Engine::new(0));
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
        let mut s = Session::new(Engine::new(0));
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
