// A terminal session, compiled twice by `session.rs`: `session::local::Session` over the embedded server in process
// (plain), `session::wire::Session` over a connection (`async`).

/// A terminal session over a backend. Cloning it (with a cheap backend) saves the state a replayed run restores.
#[derive(Clone)]
pub struct Session<B: KvBackend> {
    pub backend: B,
    pub display: Display,
    watches: Vec<ActiveWatch>,
    pending: Option<PendingConfirm>,
}


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

    kv_fn! {
    /// Runs one line at time `now`, then collects what running watches saw.
    pub fn run_line(&mut self, line: &str, now: Nanos) -> LineResult {
        aw!(self.backend.set_now(now));
        let mut r = aw!(self.run_line_inner(line));
        r.chunks.extend(aw!(self.poll_watches()));
        r
    }
    }

    kv_fn! {
    fn run_line_inner(&mut self, line: &str) -> LineResult {
        if self.pending.is_some() {
            return match line.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => aw!(self.answer(true)),
                "n" | "no" | "" => aw!(self.answer(false)),
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
                    error: None,
                },
            };
        }
        let words = match Line::parse(line) {
            Line::Empty => return LineResult::done(Vec::new(), true),
            Line::Nats(words) => words,
            Line::Help => return LineResult::done(vec![Chunk::Out(HELP.to_string())], true),
            Line::Clear => return LineResult { clear: true, ..LineResult::done(Vec::new(), true) },
            // The clock's owner moves its clock before it asks the session (`advance`); alone, a sleep is done.
            Line::Sleep(_) => return LineResult::done(Vec::new(), true),
            Line::BadSleep(d) => {
                return LineResult::done(vec![Chunk::Err(format!("sleep: invalid time interval '{d}'\n"))], false)
            }
            Line::Unreadable(e) => return LineResult::done(vec![Chunk::Err(format!("sh: {e}\n"))], false),
            Line::Unknown(other) => {
                return LineResult::done(
                    vec![Chunk::Err(format!(
                        "sh: {other}: command not found (this terminal runs nats commands; type help)\n"
                    ))],
                    false,
                )
            }
        };
        match parse::parse(&words) {
            ParseOutcome::Command(p) => aw!(self.execute(p, line, None)),
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
    }

    kv_fn! {
    fn execute(&mut self, p: Parsed, line: &str, confirmed: Option<bool>) -> LineResult {
        let (outcome, trace) = aw!(execute_traced(&mut self.backend, &p, self.display, confirmed));
        let mut r = match outcome {
            Outcome::Done { chunks, ok, error } => LineResult { error, ..LineResult::done(chunks, ok) },
            Outcome::Confirm { preface, prompt } => {
                self.pending = Some(PendingConfirm { parsed: p, prompt: prompt.clone() });
                let chunks = if preface.is_empty() { Vec::new() } else { vec![Chunk::Out(preface)] };
                LineResult { question: Some(prompt), ..LineResult::done(chunks, true) }
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
    }

    kv_fn! {
    /// Answers the pending question. The CLI echoes the answer after the prompt.
    pub fn answer(&mut self, yes: bool) -> LineResult {
        let Some(p) = self.pending.take() else {
            return LineResult::done(Vec::new(), true);
        };
        let echo = format!("? {} {}\n", p.prompt, if yes { "Yes" } else { "No" });
        let mut r = aw!(self.execute(p.parsed, "", Some(yes)));
        r.chunks.insert(0, Chunk::Out(echo));
        r
    }
    }

    /// Gives up on the pending question as the CLI does when no terminal can answer it.
    pub fn refuse_question(&mut self) -> LineResult {
        self.pending = None;
        LineResult::done(
            vec![Chunk::Err("nats: error: cannot ask for confirmation without a terminal\n".into())],
            false,
        )
    }

    kv_fn! {
    /// Collects the output of every running watch, in the order the watches were started.
    pub fn poll_watches(&mut self) -> Vec<Chunk> {
        let mut chunks = Vec::new();
        let mut ended = Vec::new();
        for w in &self.watches {
            for ev in aw!(self.backend.poll_watch(w.id)) {
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
    }

    kv_fn! {
    /// Advances time (the clock's fast-forward, or a script's `sleep`) and returns what watches saw meanwhile.
    pub fn advance(&mut self, now: Nanos) -> Vec<Chunk> {
        aw!(self.backend.set_now(now));
        aw!(self.poll_watches())
    }
    }

    kv_fn! {
    /// Stops every running watch (Ctrl-C).
    pub fn interrupt(&mut self) -> usize {
        let n = self.watches.len();
        for w in self.watches.drain(..) {
            aw!(self.backend.stop_watch(w.id));
        }
        self.pending = None;
        n
    }
    }
}

