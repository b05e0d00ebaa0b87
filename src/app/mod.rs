//! The browser app: a terminal, a bucket explorer and a clock over one embedded session.
//!
//! Architecture invariant: components never run commands themselves; they go through `Playground`, which owns the
//! session and the clock, so the terminal, the explorer and the timer always see the same engine.

pub mod components;
pub mod term_state;

use std::cell::RefCell;
use std::rc::Rc;

use crate::clock::PlayClock;
use crate::engine::{Engine, Nanos};
use crate::lesson::runner::{LessonClock, LessonRun, StepReport};
use crate::session::{LineResult, Session};

pub use components::app::App;

/// The wall clock of the browser, in nanoseconds since the epoch.
pub fn real_now() -> Nanos {
    (js_sys::Date::now() * 1_000_000.0) as Nanos
}

/// Everything the page shares: the session over the embedded engine, and the clock it runs on.
pub struct Playground {
    pub session: Session<Engine>,
    pub clock: PlayClock,
    /// The open lesson and what its runner has seen, if a lesson is open.
    pub lesson: Option<(String, LessonRun)>,
    /// The revisions the last lesson step wrote, for the timeline to highlight.
    pub explain: Option<Explain>,
}

/// What a lesson step did to a bucket: the revisions it wrote and the writes it had refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explain {
    pub bucket: String,
    pub from: u64,
    pub to: u64,
    pub summary: String,
}

/// Each bucket's last revision and refused-write count, to see what a step changed.
fn marks(e: &Engine) -> Vec<(String, u64, usize)> {
    e.bucket_names()
        .into_iter()
        .filter_map(|b| e.bucket_stream(&b).map(|s| (b.clone(), s.state().last_seq, s.rejections().len())))
        .collect()
}

/// The playground's clock as a lesson sees it: a lesson's waits fast-forward it.
struct PlayLessonClock<'a> {
    clock: &'a mut PlayClock,
    real: Nanos,
}

impl LessonClock for PlayLessonClock<'_> {
    fn now(&self) -> Nanos {
        self.clock.now(self.real)
    }
    fn advance(&mut self, by: Nanos) {
        self.clock.fast_forward(self.real, by);
    }
}

impl Playground {
    pub fn new(real: Nanos) -> Playground {
        let mut session = Session::new(Engine::new(real));
        session.display.tz_offset_secs = local_offset_secs();
        Playground { session, clock: PlayClock::new(real), lesson: None, explain: None }
    }

    /// Opens a built-in lesson by name (nothing changes if there is no such lesson).
    pub fn open_lesson(&mut self, name: &str) -> bool {
        match crate::lesson::built_in(name) {
            Some(l) => {
                self.lesson = Some((name.to_string(), LessonRun::new(l)));
                true
            }
            None => false,
        }
    }

    /// Runs a step of the open lesson; `solve` types an exercise's solution first.
    pub fn run_step(&mut self, i: usize, real: Nanos, solve: bool) -> Option<StepReport> {
        let before = marks(&self.session.backend);
        let Playground { session, clock, lesson, explain } = self;
        let (_, run) = lesson.as_mut()?;
        let title = run.lesson.steps.get(i).map(|s| s.title.clone()).unwrap_or_default();
        let mut c = PlayLessonClock { clock, real };
        let report = run.run_step(i, session, &mut c, solve);
        for (bucket, last, refused) in marks(&session.backend) {
            let (b_last, b_refused) =
                before.iter().find(|(b, _, _)| *b == bucket).map(|(_, l, r)| (*l, *r)).unwrap_or((0, 0));
            if last != b_last || refused != b_refused {
                let wrote = last.saturating_sub(b_last);
                let refusals = refused.saturating_sub(b_refused);
                let mut summary =
                    format!("the step \"{title}\" wrote {wrote} revision{}", if wrote == 1 { "" } else { "s" });
                if wrote > 0 {
                    summary.push_str(&format!(" ({}–{last})", b_last + 1));
                }
                if refusals > 0 {
                    summary.push_str(&format!(
                        " and had {refusals} write{} refused (✗), which took no revision",
                        if refusals == 1 { "" } else { "s" }
                    ));
                }
                *explain = Some(Explain { bucket, from: b_last + 1, to: last.max(b_last + 1), summary });
                break;
            }
        }
        Some(report)
    }

    /// Starts the embedded server afresh (a lesson's Reset): buckets, watches and questions are gone.
    pub fn reset_server(&mut self, real: Nanos) {
        let tz = self.session.display.tz_offset_secs;
        let now = self.clock.now(real);
        self.session = Session::new(Engine::new(now));
        self.session.display.tz_offset_secs = tz;
        if let Some((_, run)) = self.lesson.as_mut() {
            run.reset();
        }
        self.explain = None;
    }

    /// The prompt the terminal shows: "$ ", or the question being asked.
    pub fn prompt(&self) -> String {
        match self.session.question() {
            Some(q) => format!("? {q} (y/N) "),
            None => "$ ".to_string(),
        }
    }

    /// Runs one line at the clock's time.
    pub fn run(&mut self, line: &str, real: Nanos) -> LineResult {
        let now = self.clock.now(real);
        self.session.run_line(line, now)
    }
}

/// A shared handle to the playground that compares by identity, for component properties.
#[derive(Clone)]
pub struct Shared(pub Rc<RefCell<Playground>>);

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The browser's time zone offset, so timestamps read as the CLI prints them: in local time.
fn local_offset_secs() -> i64 {
    if cfg!(target_arch = "wasm32") {
        -(js_sys::Date::new_0().get_timezone_offset() as i64) * 60
    } else {
        0
    }
}
