//! The terminal's screen state as a pure reducer: the scrollback, the command history and its cursor.

use std::rc::Rc;

use yew::Reducible;

use crate::cli::exec::Chunk;

/// How a line of scrollback is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A command the user ran, shown after its prompt.
    Input,
    Out,
    Err,
    /// The playground's own remarks (clock jumps, watch state).
    Note,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermLine {
    pub kind: LineKind,
    pub text: String,
}

/// Scrollback kept in memory; older lines are dropped.
pub const MAX_LINES: usize = 20_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TermState {
    pub lines: Rc<Vec<TermLine>>,
    /// Lines dropped from the top so far.
    pub dropped: usize,
    pub history: Vec<String>,
    /// Where Up/Down stands in the history (None: at the fresh line).
    pub cursor: Option<usize>,
    /// The half-typed line Up left, which Down past the newest entry gives back.
    pub stash: String,
    /// Moves whenever the command line's text is set from here (history, a lesson's command), so the editor
    /// shows `line()`.
    pub recall: u64,
}

#[derive(Debug)]
pub enum TermAction {
    /// A command as typed, after its prompt.
    Echo {
        prompt: String,
        line: String,
    },
    Output(Vec<Chunk>),
    Note(String),
    Clear,
    /// Up, with the line as it stands in the editor.
    HistoryUp {
        current: String,
    },
    HistoryDown,
    /// Puts a line on the command line for the learner to run (a lesson's command).
    Suggest(String),
    /// A transcript as `session` and the lesson runner write it: "$ " lines are commands, the rest output.
    Transcript(String),
    /// Several actions applied at once (a multi-line paste), copying the scrollback once.
    Batch(Vec<TermAction>),
    /// Lines kept from the last visit, as `kept` wrote them.
    Restore(Vec<(String, String)>),
}

impl LineKind {
    fn name(self) -> &'static str {
        match self {
            LineKind::Input => "input",
            LineKind::Out => "out",
            LineKind::Err => "err",
            LineKind::Note => "note",
        }
    }

    fn from_name(n: &str) -> LineKind {
        match n {
            "input" => LineKind::Input,
            "err" => LineKind::Err,
            "note" => LineKind::Note,
            _ => LineKind::Out,
        }
    }
}

/// The newest `n` lines of the scrollback as (kind, text), to keep between visits.
pub fn kept(lines: &[TermLine], n: usize) -> Vec<(String, String)> {
    lines[lines.len().saturating_sub(n)..].iter().map(|l| (l.kind.name().to_string(), l.text.clone())).collect()
}

fn push_text(lines: &mut Vec<TermLine>, kind: LineKind, text: &str) {
    let text = text.strip_suffix('\n').unwrap_or(text);
    for l in text.split('\n') {
        lines.push(TermLine { kind, text: l.to_string() });
    }
}

impl TermState {
    /// The history entry Up/Down has selected, if any.
    pub fn recalled(&self) -> Option<&str> {
        self.cursor.and_then(|i| self.history.get(i)).map(String::as_str)
    }

    /// What the command line shows after Up, Down or a suggestion: the recalled entry, or the line kept aside.
    pub fn line(&self) -> &str {
        self.recalled().unwrap_or(&self.stash)
    }
}

impl TermState {
    /// The terminal after `action` (the state before keeps its own lines).
    pub fn applied(&self, action: TermAction) -> TermState {
        let mut s = self.clone();
        let mut lines = (*s.lines).clone();
        apply(&mut s, &mut lines, action);
        if lines.len() > MAX_LINES {
            let extra = lines.len() - MAX_LINES;
            lines.drain(..extra);
            s.dropped += extra;
        }
        s.lines = Rc::new(lines);
        s
    }
}

impl Reducible for TermState {
    type Action = TermAction;

    fn reduce(self: Rc<Self>, action: TermAction) -> Rc<Self> {
        Rc::new(self.applied(action))
    }
}

fn apply(s: &mut TermState, lines: &mut Vec<TermLine>, action: TermAction) {
    match action {
        TermAction::Echo { prompt, line } => {
            lines.push(TermLine { kind: LineKind::Input, text: format!("{prompt}{line}") });
            if !line.trim().is_empty() && s.history.last() != Some(&line) {
                s.history.push(line);
            }
            s.cursor = None;
            s.stash.clear();
        }
        TermAction::Output(chunks) => {
            for c in chunks {
                match c {
                    Chunk::Out(t) => push_text(lines, LineKind::Out, &t),
                    Chunk::Err(t) => push_text(lines, LineKind::Err, &t),
                }
            }
        }
        TermAction::Note(t) => push_text(lines, LineKind::Note, &t),
        TermAction::Clear => {
            s.dropped = 0;
            lines.clear();
        }
        TermAction::HistoryUp { current } => {
            if !s.history.is_empty() {
                s.cursor = Some(match s.cursor {
                    None => {
                        s.stash = current;
                        s.history.len() - 1
                    }
                    Some(i) => i.saturating_sub(1),
                });
                s.recall += 1;
            }
        }
        TermAction::HistoryDown => {
            if s.cursor.is_some() {
                s.cursor = match s.cursor {
                    Some(i) if i + 1 < s.history.len() => Some(i + 1),
                    _ => None,
                };
                s.recall += 1;
            }
        }
        TermAction::Suggest(line) => {
            s.cursor = None;
            s.stash = line;
            s.recall += 1;
        }
        TermAction::Transcript(t) => {
            for l in t.strip_suffix('\n').unwrap_or(&t).split('\n') {
                let kind = if l.starts_with("$ ") { LineKind::Input } else { LineKind::Out };
                lines.push(TermLine { kind, text: l.to_string() });
            }
        }
        TermAction::Batch(actions) => {
            for a in actions {
                apply(s, lines, a);
            }
        }
        TermAction::Restore(kept) => {
            lines.extend(kept.into_iter().map(|(k, text)| TermLine { kind: LineKind::from_name(&k), text }));
        }
    }
}

/// A piece of a line and the colour the CLI gave it (natscli colours `watch`'s operations on a terminal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `Some("ansi-green")` or `Some("ansi-red")`; `None` for the terminal's own colour.
    pub class: Option<&'static str>,
    pub text: String,
}

/// Splits a line at its ANSI SGR escapes (`ESC [ 31 m` red, `32` green, `0` or none reset) into segments; other
/// escapes are dropped, so the page shows the colours and never the escape characters.
pub fn ansi_segments(text: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut class: Option<&'static str> = None;
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            cur.push(c);
            continue;
        }
        let mut params = String::new();
        if chars.peek() == Some(&'[') {
            chars.next();
            while let Some(&p) = chars.peek() {
                chars.next();
                if p.is_ascii_alphabetic() {
                    if p == 'm' {
                        if !cur.is_empty() {
                            out.push(Segment { class, text: std::mem::take(&mut cur) });
                        }
                        class = match params.as_str() {
                            "31" | "1;31" | "91" => Some("ansi-red"),
                            "32" | "1;32" | "92" => Some("ansi-green"),
                            _ => None,
                        };
                    }
                    break;
                }
                params.push(p);
            }
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(Segment { class, text: cur });
    }
    out
}

/// Whether a line is part of one of the CLI's rounded tables, which the terminal scrolls sideways rather than
/// wrapping.
pub fn is_table_line(text: &str) -> bool {
    text.starts_with(['╭', '│', '├', '╰'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_colours_become_segments() {
        let s = ansi_segments("[t] \x1b[32mPUT\x1b[0m b > k: v");
        assert_eq!(
            s,
            vec![
                Segment { class: None, text: "[t] ".into() },
                Segment { class: Some("ansi-green"), text: "PUT".into() },
                Segment { class: None, text: " b > k: v".into() },
            ]
        );
        assert_eq!(ansi_segments(""), vec![Segment { class: None, text: String::new() }]);
        assert_eq!(
            ansi_segments("\x1b[31mDELETE\x1b[0m"),
            vec![Segment { class: Some("ansi-red"), text: "DELETE".into() }]
        );
        assert!(is_table_line("│ a │") && !is_table_line("nats: error: x"));
    }

    fn run(s: Rc<TermState>, a: TermAction) -> Rc<TermState> {
        s.reduce(a)
    }

    #[test]
    fn echo_output_history_and_clear() {
        let mut s = Rc::new(TermState::default());
        s = run(s, TermAction::Echo { prompt: "$ ".into(), line: "nats kv ls".into() });
        s = run(s, TermAction::Output(vec![Chunk::Out("a\nb\n".into()), Chunk::Err("nats: error: x\n".into())]));
        let texts: Vec<&str> = s.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, vec!["$ nats kv ls", "a", "b", "nats: error: x"]);
        assert_eq!(s.lines[3].kind, LineKind::Err);
        s = run(s, TermAction::Echo { prompt: "$ ".into(), line: "help".into() });
        let up = || TermAction::HistoryUp { current: "nats kv pu".into() };
        s = run(s, up());
        assert_eq!(s.recalled(), Some("help"));
        s = run(s, up());
        assert_eq!(s.recalled(), Some("nats kv ls"));
        s = run(s, up());
        assert_eq!(s.recalled(), Some("nats kv ls"));
        s = run(s, TermAction::HistoryDown);
        s = run(s, TermAction::HistoryDown);
        assert_eq!(s.recalled(), None);
        assert_eq!(s.line(), "nats kv pu", "Down past the newest entry gives back the half-typed line");
        let seen = s.recall;
        s = run(s, TermAction::HistoryDown);
        assert_eq!(s.recall, seen, "Down on the fresh line changes nothing");
        s = run(s, TermAction::Suggest("nats kv add lesson".into()));
        assert_eq!((s.line(), s.recall), ("nats kv add lesson", seen + 1));
        s = run(s, TermAction::Clear);
        assert!(s.lines.is_empty());
        assert_eq!(s.history.len(), 2, "clearing the screen keeps the history");
    }

    #[test]
    fn the_transcript_kept_between_visits_comes_back_as_it_was() {
        let mut s = Rc::new(TermState::default());
        s = run(s, TermAction::Echo { prompt: "$ ".into(), line: "nats kv ls".into() });
        s = run(s, TermAction::Output(vec![Chunk::Err("nats: error: x\n".into())]));
        s = run(s, TermAction::Note("(clock moved forward 1m)".into()));
        let k = kept(&s.lines, 2);
        assert_eq!(
            k,
            vec![("err".into(), "nats: error: x".into()), ("note".into(), "(clock moved forward 1m)".into())]
        );
        let back = run(Rc::new(TermState::default()), TermAction::Restore(kept(&s.lines, 10)));
        assert_eq!(back.lines, s.lines);
    }

    #[test]
    fn scrollback_is_bounded() {
        let mut s = Rc::new(TermState::default());
        let big: String = (0..MAX_LINES + 10).map(|i| format!("{i}\n")).collect();
        s = run(s, TermAction::Output(vec![Chunk::Out(big)]));
        assert_eq!(s.lines.len(), MAX_LINES);
        assert_eq!(s.dropped, 10);
        assert_eq!(s.lines[0].text, "10");
    }
}
