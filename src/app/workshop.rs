//! A workshop learner's page: the join link's credentials (read from the address's fragment once, then taken out of
//! the address), the step verdicts and presence written into the instructor's progress bucket, and the
//! instructor's message shown as a banner. The records' shape and the names are `lesson::progress`'s; what to
//! write and when is decided here, without I/O, and `remote` performs it on the connection.

use std::cell::RefCell;

use crate::engine::Nanos;
use crate::lesson::progress::{self, Attempts};
use crate::lesson::runner::LessonRun;
use crate::server::wire::HeaderBlock;

/// What a join link carries in its fragment: `#server=ws%3A%2F%2FHOST%3APORT&user=NAME&pass=SECRET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinLink {
    pub server: String,
    pub user: String,
    pub pass: String,
}

/// Decodes `%XX` escapes and `+` (as a form encodes a space); a malformed escape is kept as it is written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl JoinLink {
    /// Reads a join link's fragment (with or without its `#`). `None` unless it names a server and a user; the
    /// fragment's other parts (`rest`) are kept for the address.
    pub fn parse(hash: &str) -> Option<(JoinLink, String)> {
        let (mut server, mut user, mut pass) = (None, None, String::new());
        let mut rest = Vec::new();
        for pair in hash.trim_start_matches('#').split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "server" => server = Some(percent_decode(v)),
                "user" => user = Some(percent_decode(v)),
                "pass" => pass = percent_decode(v),
                _ => rest.push(pair),
            }
        }
        let (server, user) = (server.filter(|s| !s.is_empty())?, user.filter(|u| !u.is_empty())?);
        Some((JoinLink { server, user, pass }, rest.join("&")))
    }
}

thread_local! {
    static JOIN: RefCell<Option<JoinLink>> = const { RefCell::new(None) };
}

/// Reads the join link from the page's address, once, at the whole app's start, and takes the credentials out of
/// the address bar at once (a copied or bookmarked address does not carry them; the page keeps them).
pub fn read_join_link() {
    let Some(w) = web_sys::window() else { return };
    let hash = w.location().hash().unwrap_or_default();
    let Some((link, rest)) = JoinLink::parse(&hash) else { return };
    let (path, search) = (w.location().pathname().unwrap_or_default(), w.location().search().unwrap_or_default());
    let fragment = if rest.is_empty() { String::new() } else { format!("#{rest}") };
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{search}{fragment}")));
    }
    JOIN.with(|j| *j.borrow_mut() = Some(link));
}

/// The join link read at the start, once.
pub fn take_join_link() -> Option<JoinLink> {
    JOIN.with(|j| j.borrow_mut().take())
}

/// Takes the open lesson's new verdicts and the step the learner is on, and queues their records for the
/// connection to write in the background (a workshop learner's page only; otherwise the verdicts are dropped).
pub fn sync(shared: &super::Shared) {
    let pg = shared.0.borrow();
    let connected = matches!(pg.server.as_ref().map(|s| &s.state), Some(super::remote::ConnState::Connected { .. }));
    // Verdicts wait while the connection is being made again; elsewhere than a learner's page they are not kept.
    if !connected {
        if LEARNER.with(|l| l.borrow().is_none()) {
            VERDICTS.with(|v| v.borrow_mut().clear());
        }
        return;
    }
    let verdicts = VERDICTS.with(|v| std::mem::take(&mut *v.borrow_mut()));
    let Some((source, run)) = pg.lesson.as_ref() else { return };
    let now = super::real_now();
    with_learner(|l| {
        let before = l.outbox.len();
        for i in verdicts {
            if let Some(w) = l.step_written(source, run, i, now) {
                l.outbox.push_back(w);
            }
        }
        if let Some(w) = l.presence_written(source, run.current, now) {
            l.outbox.push_back(w);
        }
        if l.outbox.len() > before {
            super::storage_set(&attempts_key(&l.name), &l.kept());
        }
    });
    // The connection's next poll, within a quarter of a second, writes them (`remote`'s `Job::Pump`).
}

/// Where a learner's attempts are kept in the browser.
pub fn attempts_key(learner: &str) -> String {
    format!("kvplay.workshop.attempts.{}", progress::token(learner))
}

// The learner and the verdicts live beside the page's state (`Playground`), not in it: the first load, which never
// connects, then carries no code for them.
thread_local! {
    static LEARNER: RefCell<Option<Learner>> = const { RefCell::new(None) };
    static VERDICTS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Step `i` (zero-based) of the open lesson has a new verdict: `sync` writes its record if the page is a workshop
/// learner's (the lesson runner's callers say so: Run step, the server's step jobs, a step completed by typing, a
/// program that completes its step).
pub fn verdict(i: usize) {
    VERDICTS.with(|v| {
        let mut v = v.borrow_mut();
        if v.len() < 1000 {
            v.push(i);
        }
    });
}

/// Runs `f` on the workshop learner the page is connected as, if it is.
pub fn with_learner<T>(f: impl FnOnce(&mut Learner) -> T) -> Option<T> {
    LEARNER.with(|l| l.borrow_mut().as_mut().map(f))
}

/// The learner the page is connected as, taken (the connection is being made again, or closed).
pub fn take_learner() -> Option<Learner> {
    LEARNER.with(|l| l.borrow_mut().take())
}

/// Sets the learner of the connection being made (`None`: not a workshop learner's connection).
pub fn set_learner(learner: Option<Learner>) {
    LEARNER.with(|l| *l.borrow_mut() = learner);
}

/// A learner's side of a workshop on one connection: who they are, what they wrote, the instructor's message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Learner {
    pub name: String,
    /// How many times each step (lesson, step from 1) was run in this page, and whether the last run is waiting
    /// for its programs.
    attempts: Attempts,
    /// The last presence written (lesson, step from 1).
    presence: Option<(String, usize)>,
    /// The instructor's message, as last read.
    pub news: Option<String>,
    /// The message the learner dismissed (a new one shows again).
    pub dismissed: Option<String>,
    /// Why the last progress write failed (cleared by the next that succeeds).
    pub write_error: Option<String>,
    /// The subscription to the instructor's messages.
    pub news_sid: Option<crate::engine::WatchId>,
    /// Records waiting to be written (`remote::Job::Progress` writes them in order).
    pub outbox: std::collections::VecDeque<Write>,
}

/// A write into the instructor's progress bucket: the subject to request on, and the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub subject: String,
    pub payload: Vec<u8>,
}

impl Learner {
    pub fn new(name: &str) -> Learner {
        Learner { name: name.to_string(), ..Learner::default() }
    }

    /// The same learner on a new connection: what was counted stays; the subscription and the last error go.
    pub fn again(self) -> Learner {
        Learner { news_sid: None, write_error: None, outbox: Default::default(), ..self }
    }

    /// The attempts counted so far, to keep in the browser (a reload goes on counting).
    pub fn kept(&self) -> String {
        self.attempts.kept()
    }

    /// Takes back attempts kept by `kept` (anything unreadable counts as none).
    pub fn restore(&mut self, kept: &str) {
        self.attempts = Attempts::restore(kept);
    }

    /// The record of step `i` (zero-based) of `run` after a run of it, with its attempts counted (a broken
    /// exercise check is the author's error: `check-error`); `None` when the step has no report.
    pub fn step_written(&mut self, source: &str, run: &LessonRun, i: usize, now: Nanos) -> Option<Write> {
        let report = run.reports.get(i)?.as_ref()?;
        let lesson = progress::lesson_name(source);
        let attempts = self.attempts.count(&lesson, i + 1, report.status);
        let broken = run.lesson.steps.get(i).and_then(|s| {
            crate::lesson::checks::broken_check(s, &crate::lesson::checks::Created::of_lesson(&run.lesson))
        });
        let (key, record) = progress::step_record(&self.name, &lesson, &run.lesson, i, report, attempts, broken, now);
        Some(Write { subject: progress::subject(&key), payload: serde_json::to_vec(&record).ok()? })
    }

    /// The presence record when the learner is on another step than last written (steps from 1).
    pub fn presence_written(&mut self, source: &str, current: usize, now: Nanos) -> Option<Write> {
        let lesson = progress::lesson_name(source);
        let at = (lesson.clone(), current + 1);
        if self.presence.as_ref() == Some(&at) {
            return None;
        }
        self.presence = Some(at);
        let (key, record) = progress::presence_record(&self.name, &lesson, current + 1, now);
        Some(Write { subject: progress::subject(&key), payload: serde_json::to_vec(&record).ok()? })
    }

    /// Takes a message on the news subjects (a republished put, or a delete or purge marker that clears it).
    pub fn news_arrived(&mut self, m: &crate::engine::Entry) {
        self.news = match m.operation {
            crate::engine::Operation::Put => news_text(&HeaderBlock::default(), &m.value),
            _ => None,
        };
    }

    /// Takes the direct get's answer (a status, such as 404, means there is no message).
    pub fn news_read(&mut self, headers: &HeaderBlock, payload: &[u8]) {
        self.news = if headers.status.is_some() { None } else { news_text(headers, payload) };
    }

    /// The message to show: the current one, unless the learner dismissed it.
    pub fn banner(&self) -> Option<&str> {
        self.news.as_deref().filter(|n| self.dismissed.as_deref() != Some(*n))
    }
}

/// A news message's text: `None` for a delete or purge marker, or an empty value; at most 1,000 characters.
fn news_text(headers: &HeaderBlock, payload: &[u8]) -> Option<String> {
    let op = crate::engine::headers::get(&headers.headers, "KV-Operation");
    if matches!(op, Some("DEL") | Some("PURGE")) {
        return None;
    }
    let t = String::from_utf8_lossy(payload).trim().chars().take(1000).collect::<String>();
    (!t.is_empty()).then_some(t)
}

/// Whether a publish acknowledgement says the write was stored; otherwise why not, in a few words.
pub fn ack_error(payload: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(payload) {
        Ok(v) if v.get("seq").is_some() && v.get("error").is_none() => None,
        Ok(v) => Some(
            v.pointer("/error/description")
                .and_then(|d| d.as_str())
                .unwrap_or("the server did not acknowledge the write")
                .to_string(),
        ),
        Err(_) => Some("the server did not acknowledge the write".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::progress::{Presence, StepRecord};

    #[test]
    fn a_join_link_gives_its_server_and_credentials_and_keeps_the_rest() {
        let (j, rest) = JoinLink::parse("#server=ws%3A%2F%2F10.0.0.5%3A8080&user=alice&pass=s%2Fe+cret").unwrap();
        assert_eq!(j, JoinLink { server: "ws://10.0.0.5:8080".into(), user: "alice".into(), pass: "s/e cret".into() });
        assert_eq!(rest, "");
        let (_, rest) = JoinLink::parse("server=ws://h:1&x=1&user=bob").unwrap();
        assert_eq!(rest, "x=1");
        assert_eq!(JoinLink::parse("#share=abc"), None);
        assert_eq!(JoinLink::parse("#server=ws://h:1"), None, "no user: not a join link");
        assert_eq!(JoinLink::parse("#server=&user=a"), None);
        // Malformed escapes and stray bytes never panic.
        assert_eq!(JoinLink::parse("#server=%&user=%zz%").unwrap().0.user, "%zz%");
        assert_eq!(JoinLink::parse("#server=%E2%82&user=a").unwrap().0.server, "\u{FFFD}");
    }

    fn run() -> LessonRun {
        let md = "# L\n\n## One\n\n```shell\nnats kv add demo\n```\n\n## Two\n\nProse only.\n";
        LessonRun::new(crate::lesson::parse(md))
    }

    #[test]
    fn each_run_of_a_step_writes_its_record_with_the_attempts_counted() {
        let mut r = run();
        let mut l = Learner::new("alice");
        assert_eq!(l.step_written("lessons/intro.md", &r, 0, 0), None, "no report yet");
        let mut s = crate::session::Session::new(crate::server::Standalone::embedded(0));
        let mut now = 0;
        struct C<'a>(&'a mut Nanos);
        impl crate::lesson::runner::LessonClock for C<'_> {
            fn now(&self) -> Nanos {
                *self.0
            }
            fn advance(&mut self, by: Nanos) {
                *self.0 += by;
            }
        }
        r.run_step(0, &mut s, &mut C(&mut now), false);
        let w = l.step_written("lessons/intro.md", &r, 0, 1_767_225_600_000_000_000).unwrap();
        assert_eq!(w.subject, "$KV.kvplay_progress.alice.intro.1");
        let rec: StepRecord = serde_json::from_slice(&w.payload).unwrap();
        assert_eq!((rec.step, rec.steps, rec.attempts, rec.title.as_str()), (1, 2, 1, "One"));
        assert_eq!(rec.at, "2026-01-01T00:00:00Z");
        let w = l.step_written("lessons/intro.md", &r, 0, 0).unwrap();
        let rec: StepRecord = serde_json::from_slice(&w.payload).unwrap();
        assert_eq!(rec.attempts, 2);
    }

    #[test]
    fn attempts_are_kept_and_taken_back() {
        let mut r = run();
        let mut l = Learner::new("a");
        let mut s = crate::session::Session::new(crate::server::Standalone::embedded(0));
        r.run_step(0, &mut s, &mut crate::lesson::runner::VirtualClock(0), false);
        l.step_written("intro", &r, 0, 0).unwrap();
        l.step_written("intro", &r, 0, 0).unwrap();
        let mut again = Learner::new("a");
        again.restore(&l.kept());
        let rec: StepRecord = serde_json::from_slice(&again.step_written("intro", &r, 0, 0).unwrap().payload).unwrap();
        assert_eq!(rec.attempts, 3, "a reload goes on counting");
        again.restore("{not json");
        assert!(again.kept() == "[]");
    }

    #[test]
    fn a_broken_check_is_written_as_the_authors_error() {
        let md = "# L\n\n## Try\n\n```exercise\ncheck: bucket nowhere exists\nhint: nats kv add shop\n```\n";
        let mut r = LessonRun::new(crate::lesson::parse(md));
        let mut s = crate::session::Session::new(crate::server::Standalone::embedded(0));
        r.run_step(0, &mut s, &mut crate::lesson::runner::VirtualClock(0), false);
        let mut l = Learner::new("a");
        let rec: StepRecord = serde_json::from_slice(&l.step_written("t", &r, 0, 0).unwrap().payload).unwrap();
        assert_eq!(rec.verdict, "check-error");
        assert!(rec.detail.unwrap().contains("nowhere"));
    }

    #[test]
    fn presence_is_written_when_the_learner_moves() {
        let mut l = Learner::new("bob");
        let w = l.presence_written("cli", 0, 0).unwrap();
        assert_eq!(w.subject, "$KV.kvplay_progress.bob.presence");
        let p: Presence = serde_json::from_slice(&w.payload).unwrap();
        assert_eq!((p.lesson.as_str(), p.step), ("cli", 1));
        assert_eq!(l.presence_written("cli", 0, 5), None);
        assert!(l.presence_written("cli", 3, 5).is_some());
    }

    #[test]
    fn the_message_follows_puts_deletes_and_purges_and_a_dismissal() {
        let mut l = Learner::new("a");
        let put = |p: &str, op: Option<&str>| crate::engine::Entry {
            bucket: String::new(),
            key: "kvplay.news.message".into(),
            value: p.as_bytes().to_vec(),
            revision: 0,
            delta: 0,
            created: 0,
            operation: match op {
                Some("DEL") => crate::engine::Operation::Delete,
                Some("PURGE") => crate::engine::Operation::Purge,
                _ => crate::engine::Operation::Put,
            },
            marker_reason: None,
        };
        l.news_arrived(&put("Break until 11:00", None));
        assert_eq!(l.banner(), Some("Break until 11:00"));
        l.dismissed = l.news.clone();
        assert_eq!(l.banner(), None);
        l.news_arrived(&put("Back to step 4", None));
        assert_eq!(l.banner(), Some("Back to step 4"));
        l.news_arrived(&put("", Some("DEL")));
        assert_eq!(l.banner(), None);
        l.news_read(&HeaderBlock { status: None, headers: vec![] }, b"hello");
        assert_eq!(l.news.as_deref(), Some("hello"));
        l.news_read(&HeaderBlock { status: Some((404, "Message Not Found".into())), headers: vec![] }, b"");
        assert_eq!(l.news, None);
        l.news_arrived(&put("x", Some("PURGE")));
        assert_eq!(l.news, None);
    }

    #[test]
    fn acknowledgements_and_refusals() {
        assert_eq!(ack_error(br#"{"stream":"KV_kvplay_progress","seq":3}"#), None);
        assert_eq!(
            ack_error(br#"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}"#)
                .as_deref(),
            Some("maximum messages exceeded")
        );
        assert!(ack_error(b"junk").is_some());
    }
}
