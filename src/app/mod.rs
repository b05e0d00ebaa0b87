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
}

impl Playground {
    pub fn new(real: Nanos) -> Playground {
        let mut session = Session::new(Engine::new(real));
        session.display.tz_offset_secs = local_offset_secs();
        Playground { session, clock: PlayClock::new(real) }
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
