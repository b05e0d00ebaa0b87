//! The first load's hand-over to the whole app: everything the page holds, so the whole app goes on exactly where
//! the first load was (the engine whole, with its journal and watchers; the terminal's watches, lines and history;
//! the clock; the half-typed line) and then does what the visitor asked for (the intent).
//!
//! The first load (`lite` in the build) has the engine, the command language, the terminal, the bucket explorer
//! and the clock. When a visitor opens anything else, it serialises a `Handoff`, leaves it on the page's window,
//! unmounts, and the page starts the whole app, which takes the hand-over instead of the kept session.

use serde::{Deserialize, Serialize};

use crate::app::term_state::{kept, TermState, MAX_LINES};
use crate::app::Playground;
use crate::clock::PlayClock;
use crate::engine::Engine;
use crate::session::ActiveWatch;

/// The hand-over's format name and version; both sides come from one build, so this only guards against a
/// stale page.
pub const FORMAT: &str = "kvplay-handoff/1";

/// Where the hand-over waits on the page's window between the two modules.
pub const GLOBAL: &str = "kvplayHandoff";

/// What the first load hands over.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Handoff {
    pub format: String,
    pub engine: Engine,
    pub watches: Vec<ActiveWatch>,
    pub clock: PlayClock,
    /// The commands run so far (Share and the exports use them).
    pub history: Vec<String>,
    pub persist: bool,
    /// The terminal's lines as (kind, text), and its Up/Down history.
    pub lines: Vec<(String, String)>,
    pub term_history: Vec<String>,
    /// The command line as typed so far.
    pub input: String,
    /// What the visitor asked for (see `Intent`).
    pub intent: String,
    /// A file picked for Import in the first load: its name and text.
    pub file: Option<(String, String)>,
}

/// What the visitor did that needs the whole app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// A tab beside the terminal: "lesson", "buckets", "timeline", "watchers" or "code".
    Tab(String),
    /// A built-in lesson picked from the list.
    Lesson(String),
    /// A button of the session bar: "share", "embed", "export:json", "export:sh", ..., "import", "start-over".
    Session(String),
    /// The real-server connection control.
    Connect,
    /// A client in the page (a `kvplay_connect` from the page's scripts).
    Client,
}

impl Intent {
    pub fn parse(s: &str) -> Option<Intent> {
        let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
        let arg = arg.to_string();
        match kind {
            "tab" if ["lesson", "buckets", "timeline", "watchers", "code", "python"].contains(&arg.as_str()) => {
                Some(Intent::Tab(arg))
            }
            "lesson" if !arg.is_empty() => Some(Intent::Lesson(arg)),
            "session" if !arg.is_empty() => Some(Intent::Session(arg)),
            "connect" => Some(Intent::Connect),
            "client" => Some(Intent::Client),
            _ => None,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Intent::Tab(t) => format!("tab:{t}"),
            Intent::Lesson(l) => format!("lesson:{l}"),
            Intent::Session(s) => format!("session:{s}"),
            Intent::Connect => "connect".into(),
            Intent::Client => "client".into(),
        }
    }

    /// What the page says while the part loads.
    pub fn loading(&self) -> String {
        let what = match self {
            Intent::Tab(t) if t == "timeline" => "the timeline",
            Intent::Tab(t) if t == "watchers" => "the watchers",
            Intent::Tab(t) if t == "code" => "the client code view",
            Intent::Tab(t) if t == "python" => "the Python console",
            Intent::Tab(_) | Intent::Lesson(_) => "the lesson",
            Intent::Session(s) if s == "share" => "sharing",
            Intent::Session(s) if s == "embed" => "the embed code",
            Intent::Session(s) if s.starts_with("export") || s == "import" => "export and import",
            Intent::Session(_) => "the session controls",
            Intent::Connect => "the server connection",
            Intent::Client => "the page's NATS server",
        };
        format!("Loading {what}…")
    }
}

impl Handoff {
    /// Takes what the page holds. A question the terminal was asking is not carried: it is cancelled, and the
    /// terminal says so.
    pub fn take(
        pg: &Playground,
        term: &TermState,
        input: &str,
        intent: &Intent,
        file: Option<(String, String)>,
    ) -> Handoff {
        let mut lines = kept(&term.lines, MAX_LINES);
        if let Some(q) = pg.session.question() {
            lines.push(("note".into(), format!("(the question \"{q}\" was cancelled: answer it again)")));
        }
        Handoff {
            format: FORMAT.into(),
            engine: pg.session.backend.clone(),
            watches: pg.session.watches().to_vec(),
            clock: pg.clock,
            history: pg.history.clone(),
            persist: pg.persist,
            lines,
            term_history: term.history.clone(),
            input: input.to_string(),
            intent: intent.name(),
            file,
        }
    }

    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string(self).map_err(|e| e.to_string())
    }

    pub fn from_json(s: &str) -> Result<Handoff, String> {
        let h: Handoff = serde_json::from_str(s).map_err(|e| format!("the hand-over could not be read ({e})"))?;
        if h.format != FORMAT {
            return Err(format!("the hand-over has format {:?}", h.format));
        }
        Ok(h)
    }

    /// Moves the engine, and puts the watches, the clock and the history, into the whole app's playground (the
    /// hand-over keeps an empty engine: the rest of it is what the page shows next).
    pub fn apply(&mut self, pg: &mut Playground) {
        pg.load_engine(std::mem::replace(&mut self.engine, Engine::new(0)));
        pg.session.resume_watches(self.watches.clone());
        pg.clock = self.clock;
        pg.history = self.history.clone();
        pg.persist = self.persist;
    }
}

/// Leaves the hand-over on the page's window for the whole app.
pub fn stash(json: &str) -> bool {
    let Some(w) = web_sys::window() else { return false };
    js_sys::Reflect::set(&w, &GLOBAL.into(), &json.into()).unwrap_or(false)
}

/// Takes the hand-over the first load left, if it left one (only once: it is removed from the window).
pub fn take_stashed() -> Option<Result<Handoff, String>> {
    let w = web_sys::window()?;
    let v = js_sys::Reflect::get(&w, &GLOBAL.into()).ok()?;
    let s = v.as_string()?;
    let _ = js_sys::Reflect::delete_property(&w, &GLOBAL.into());
    Some(Handoff::from_json(&s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::term_state::TermAction;
    use std::rc::Rc;
    use yew::Reducible;

    const T0: i64 = 1_767_225_600_000_000_000;

    #[test]
    fn intents_round_trip_and_unknown_ones_are_refused() {
        for s in ["tab:timeline", "lesson:cli", "session:export:json", "connect", "client"] {
            assert_eq!(Intent::parse(s).map(|i| i.name()).as_deref(), Some(s));
        }
        assert_eq!(Intent::parse("tab:nothing"), None);
        assert_eq!(Intent::parse("lesson:"), None);
        assert_eq!(Intent::parse("<script>"), None);
    }

    #[test]
    fn the_whole_app_goes_on_where_the_first_load_was() {
        let mut lite = Playground::new_first_load(T0);
        for l in ["nats kv add b --history 2 --ttl 1m", "nats kv put b k 1", "nats kv put b k 2", "nats kv put b k 3"] {
            lite.run(l, T0);
        }
        let w = lite.run("nats kv watch b", T0);
        assert!(w.ok);
        lite.clock.fast_forward(T0, 5_000_000_000);
        let mut term = Rc::new(TermState::default());
        term = term.reduce(TermAction::Echo { prompt: "$ ".into(), line: "nats kv put b k 3".into() });
        let h = Handoff::take(&lite, &term, "nats kv ge", &Intent::Tab("timeline".into()), None);
        let mut back = Handoff::from_json(&h.to_json().expect("serialises")).expect("reads back");
        let mut full = Playground::new(T0);
        back.apply(&mut full);
        // The journal of removed revisions (history limit) comes across, so the timeline can explain them.
        let a = lite.session.backend.bucket_stream("b").expect("stream");
        let b = full.session.backend.bucket_stream("b").expect("stream");
        assert_eq!(format!("{:?}", a.journal()), format!("{:?}", b.journal()));
        assert_eq!(full.clock.now(T0), lite.clock.now(T0));
        assert_eq!(full.history, lite.history);
        assert_eq!(back.input, "nats kv ge");
        // The running watch goes on: a write after the hand-over reaches it.
        assert_eq!(full.session.watches().len(), 1);
        let r = full.run("nats kv put b k 4", T0);
        assert!(r.ok);
        let seen = format!("{}{:?}", r.text(), full.session.advance(full.clock.now(T0)));
        assert!(seen.contains("PUT\x1b[0m b > k: 4"), "{seen}");
        // And the whole app has its parts again.
        assert!(std::ptr::eq(full.parts, &crate::app::FULL));
    }

    #[test]
    fn a_damaged_hand_over_is_refused_whole() {
        assert!(Handoff::from_json("{").is_err());
        assert!(Handoff::from_json("{\"format\":\"other\"}").is_err());
    }
}
