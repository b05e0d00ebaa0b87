//! The terminal's service: runs the lines the learner typed or pasted, and Ctrl-C, wherever the page's commands
//! go (the embedded engine now, or the connected server's job queue), and says what to show as terminal actions.
//! The terminal component edits the line and renders; it does not know which of the two ran it.

use super::term_state::TermAction;
use super::{real_now, Shared};

/// Runs lines in order, echoing each with its prompt and what it printed (in one batch on the embedded engine;
/// on a server as each finishes), then the open lesson's news about them.
pub fn run(shared: &Shared, lines: &[String], show: impl Fn(TermAction)) {
    if shared.0.borrow().server.is_some() {
        let remote_lines = shared.0.borrow().parts.remote_lines;
        remote_lines(shared, lines.to_vec());
        return;
    }
    let mut actions = Vec::with_capacity(lines.len() * 2);
    for line in lines {
        let (prompt, r) = {
            let mut pg = shared.0.borrow_mut();
            let prompt = pg.prompt();
            (prompt, pg.run(line, real_now()))
        };
        actions.push(TermAction::Echo { prompt, line: line.clone() });
        if r.clear {
            actions.push(TermAction::Clear);
        }
        actions.push(TermAction::Output(r.chunks));
    }
    show(TermAction::Batch(actions));
    if let Some(n) = shared.0.borrow_mut().lesson_news.take() {
        show(TermAction::Note(n));
    }
}

/// Ctrl-C with `typed` half-written: stops the running watches and drops a pending question. Returns whether
/// the page's state changed now (on a server the job queue reports it later).
pub fn interrupt(shared: &Shared, typed: &str, show: impl Fn(TermAction)) -> bool {
    show(TermAction::Echo { prompt: "$ ".into(), line: format!("{typed}^C") });
    if shared.0.borrow().server.is_some() {
        let interrupt = shared.0.borrow().parts.remote_interrupt;
        interrupt(shared);
        return false;
    }
    let stopped = {
        let mut pg = shared.0.borrow_mut();
        let had_question = pg.session.question().is_some();
        let stopped = pg.session.interrupt();
        // Ctrl-C goes into the history when it stopped something, so a share link stops it too.
        if stopped > 0 || had_question {
            pg.history.push("interrupt".to_string());
        }
        stopped
    };
    if stopped > 0 {
        show(TermAction::Note(format!("(stopped {stopped} watch{})", if stopped == 1 { "" } else { "es" })));
    }
    true
}
