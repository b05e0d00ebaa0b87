//! Scripts: a file of command lines run through a session on a virtual clock, giving the transcript a terminal
//! would show. Directives: `sleep DURATION` advances the clock, `confirm yes|no` answers the next question,
//! `interrupt` stops running watches (Ctrl-C), and a leading `! ` marks a command that is expected to fail.

use crate::backend::KvBackend;
use crate::engine::Nanos;
use crate::session::Line;
use crate::session::{LineResult, Session};

/// How a script runs.
#[derive(Clone, Copy, Debug)]
pub struct ScriptOptions {
    /// The virtual clock's starting time.
    pub start: Nanos,
    /// Answer every question "yes" unless the script says otherwise.
    pub assume_yes: bool,
}

/// A command that did not end as the script said it would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unexpected {
    pub line_no: usize,
    pub line: String,
    pub expected_failure: bool,
}

/// The result of a script run.
#[derive(Clone, Debug, Default)]
pub struct ScriptReport {
    pub transcript: String,
    pub unexpected: Vec<Unexpected>,
}

/// Runs a script through a session and returns its transcript.
pub fn run_script<B: KvBackend>(session: &mut Session<B>, src: &str, opts: ScriptOptions) -> ScriptReport {
    let mut report = ScriptReport::default();
    let mut clock = opts.start;
    let mut queued: Option<bool> = None;
    for (i, raw) in src.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match Line::parse(line) {
            Line::Sleep(n) => {
                report.transcript.push_str(&format!("$ {line}\n"));
                match crate::clock::later(clock, n) {
                    Ok(t) => {
                        clock = t;
                        push(&mut report.transcript, &session.advance(clock));
                    }
                    Err(e) => {
                        report.transcript.push_str(&format!("sleep: {e}\n"));
                        report.unexpected.push(Unexpected {
                            line_no: i + 1,
                            line: line.into(),
                            expected_failure: false,
                        });
                    }
                }
                continue;
            }
            Line::BadSleep(d) => {
                report.transcript.push_str(&format!("$ {line}\nsleep: invalid time interval '{d}'\n"));
                report.unexpected.push(Unexpected { line_no: i + 1, line: line.into(), expected_failure: false });
                continue;
            }
            _ => {}
        }
        if let Some(ans) = line.strip_prefix("confirm ") {
            queued = Some(matches!(ans.trim(), "y" | "yes"));
            continue;
        }
        if line == "interrupt" {
            report.transcript.push_str("^C\n");
            session.interrupt();
            continue;
        }
        let (expect_fail, cmd) = match line.strip_prefix("! ") {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        report.transcript.push_str(&format!("$ {cmd}\n"));
        let mut r = session.run_line(cmd, clock);
        if let Some(q) = r.question.clone() {
            report.transcript.push_str(&r.text());
            let answer = queued.take().or(if opts.assume_yes { Some(true) } else { None });
            r = match answer {
                Some(a) => session.answer(a),
                None => {
                    report.transcript.push_str(&format!("? {q} (y/N) \n"));
                    session.refuse_question()
                }
            };
            r.chunks.extend(session.poll_watches());
        }
        report.transcript.push_str(&r.text());
        if r.ok == expect_fail {
            report.unexpected.push(Unexpected { line_no: i + 1, line: line.into(), expected_failure: expect_fail });
        }
    }
    report
}

fn push(out: &mut String, chunks: &[crate::cli::exec::Chunk]) {
    let r = LineResult::done(chunks.to_vec(), true);
    out.push_str(&r.text());
}
