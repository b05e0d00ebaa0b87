// The lesson runner's steps, compiled twice by `lesson/runner.rs`: over a `session::local::Session` (plain, the
// embedded server in process) as `LessonRun`'s own methods, and over a `session::wire::Session` (`async`, a connection) as
// `wire::Run`'s, which is a `LessonRun` too. `This` names the type each module gives the methods to.

impl This {
    kv_fn! {
    /// Creates a bucket as the lesson does (`setup_for`); returns how, in words, for the step's note. A command
    /// shows in the transcript; a program's `add` runs as the program's operations do.
    fn create_as_lesson<B: KvBackend>(
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
        setup: &Setup,
        transcript: &mut String,
    ) -> String {
        match setup {
            Setup::Command(line) => {
                aw!(Self::run_line(s, clock, line, transcript));
                format!("with `{line}`")
            }
            Setup::Program(ops) => {
                aw!(s.backend.set_now(clock.now()));
                if let Err(e) = aw!(add(ops, &mut s.backend)) {
                    transcript.push_str(&format!("{e}\n"));
                }
                let flags = ops.trim_start_matches("add ");
                format!(
                    "as its Python program does (nats-py's create_key_value, with what `nats kv add {flags}` names)"
                )
            }
        }
    }
    }

    kv_fn! {
    /// Runs one line as typed, answering any question "yes" as the learner would to go on.
    fn run_line<B: KvBackend>(
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
        line: &str,
        transcript: &mut String,
    ) -> LineRan {
        transcript.push_str(&format!("$ {line}\n"));
        let r = if let Some(by) = crate::session::Line::sleep(line) {
            clock.advance(by);
            crate::session::LineResult::done(aw!(s.advance(clock.now())), true)
        } else {
            aw!(s.run_line(line, clock.now()))
        };
        let mut ran = LineRan { out: chunks_text(&r), asked: false, ok: r.ok, error: r.error };
        if r.question.is_some() {
            ran.asked = true;
            let mut r = aw!(s.answer(true));
            r.chunks.extend(aw!(s.poll_watches()));
            ran.out.push_str(&chunks_text(&r));
            (ran.ok, ran.error) = (r.ok, r.error);
        }
        transcript.push_str(&ran.out);
        ran
    }
    }

    kv_fn! {
    /// Runs step `i` and records its report. `solve` runs an exercise's solution first (Run all does).
    pub fn run_step<B: KvBackend>(
        &mut self,
        i: usize,
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
        solve: bool,
    ) -> StepReport {
        aw!(self.run_step_with(i, s, clock, solve, None))
    }
    }

    kv_fn! {
    /// `run_step`, with the step's Python programs run by real Python when `python` is given (`kvplay lesson
    /// --python`) rather than by their `kv-ops`.
    pub fn run_step_with<B: KvBackend>(
        &mut self,
        i: usize,
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
        solve: bool,
        mut python: Option<&mut dyn PythonRunner>,
    ) -> StepReport {
        let Some(step) = self.lesson.steps.get(i).cloned() else {
            return StepReport::empty(StepStatus::Shown);
        };
        let skipped = self.missing_before(i);
        let mut report = StepReport::empty(StepStatus::Pass);
        // Real Python runs in document order with the commands (a program that creates a bucket before the
        // document's `nats kv add` of it does so first); otherwise the commands run first.
        let real_programs = python.is_none() && self.real_programs;
        let python_first = (python.is_some() || real_programs) && LessonRun::python_before_commands(&step);
        if real_programs && !python_first {
            // The programs run after the commands: what they printed before is not this run's.
            self.ran.remove(&i);
        }
        let mut waiting = false;
        if !python_first {
            for c in &step.commands {
                report.commands.push(aw!(self.run_command(c, s, clock)));
            }
        }
        for (k, p) in step.python.iter().enumerate() {
            if let Some(py) = python.as_deref_mut() {
                let filename = if k == 0 { format!("<step {}>", i + 1) } else { format!("<step {}.{}>", i + 1, k + 1) };
                let ran = py.run(&p.code, &filename, clock);
                let verdict = python_verdict(
                    p.expected.as_deref(),
                    &ran.printed,
                    ran.traceback.as_deref(),
                    &p.code,
                    &filename,
                    &mut report.notes,
                );
                if ran.still_running {
                    report.notes.push(format!(
                        "The program {filename} was still running when the time limit ended it (it waits for changes, as a watcher does)."
                    ));
                }
                report.program.push_str("$ python  # this step's program, run by CPython with nats-py\n");
                report.program.push_str(&ran.printed);
                report.python.push(PythonReport {
                    expected: p.expected.clone(),
                    actual: ran.printed,
                    verdict,
                    ran: true,
                });
                continue;
            }
            if real_programs {
                // The page runs the program in its cell and reports it (`program_ran`); its `kv-ops` stay unused.
                match self.ran.get(&i).and_then(|r| r.get(&k)) {
                    Some(r) => report.python.push(r.clone()),
                    None => waiting = true,
                }
                continue;
            }
            if p.ops.trim().is_empty() {
                report.notes.push(
                    "This step is a Python program: in the page, Run step runs it with real Python (CPython and nats-py) and its cell says whether it passed."
                        .to_string(),
                );
                continue;
            }
            // A bucket the operations use that an earlier, skipped step creates: create it as the lesson does.
            for bucket in ops_buckets(&p.ops) {
                if aw!(s.backend.status(&bucket)).is_ok() {
                    continue;
                }
                if let Some(setup) = self.setup_for(&bucket) {
                    let mut t = String::new();
                    let how = aw!(Self::create_as_lesson(s, clock, &setup, &mut t));
                    report.notes.push(format!(
                        "The bucket {bucket} did not exist yet (the step that creates it has not run). The runner created it as the lesson does, {how}."
                    ));
                }
            }
            let actual = match aw!(replay(&mut self.py, &p.ops, s, clock)) {
                Ok(o) => o,
                Err(e) => format!("error in the step's operations: {e}\n"),
            };
            let verdict = match &p.expected {
                Some(e) if lines_equal(e, &actual) => Verdict::Pass,
                Some(e) => Verdict::Fail { missing: first_difference(e, &actual) },
                None => Verdict::Pass,
            };
            report.program.push_str("$ python  # this step's program: the playground performs its KV operations\n");
            report.program.push_str(&actual);
            report.python.push(PythonReport { expected: p.expected.clone(), actual, verdict, ran: false });
        }
        if python_first {
            for c in &step.commands {
                report.commands.push(aw!(self.run_command(c, s, clock)));
            }
        }
        let mut solved_for_you = false;
        if let Some(ex) = &step.exercise {
            let mut met_before = true;
            for c in &ex.checks {
                met_before = met_before && aw!(check(&mut s.backend, c));
            }
            if solve && !ex.hint.is_empty() && !met_before {
                let mut t = String::new();
                for line in ex.hint.split(" && ") {
                    aw!(Self::run_line(s, clock, line.trim(), &mut t));
                }
                report.solution = t;
                if self.done.contains(&i) {
                    report.notes.push(format!(
                        "You solved this step yourself earlier; Run all typed its hint again ({}) so the steps after it find what it made.",
                        ex.hint
                    ));
                } else {
                    report.notes.push(format!("Solved for you: the runner typed the hint, {}", ex.hint));
                    solved_for_you = true;
                }
            }
            report.unmet.clear();
            for c in &ex.checks {
                if !aw!(check(&mut s.backend, c)) {
                    report.unmet.push(c.clone());
                }
            }
        }
        report.status = status_of(&step, &report);
        if solved_for_you && report.status == StepStatus::Pass {
            report.status = StepStatus::Solved;
        }
        if waiting && matches!(report.status, StepStatus::Pass | StepStatus::Drift | StepStatus::Shown) {
            report.status = StepStatus::Waiting;
        }
        if !skipped.is_empty() && matches!(report.status, StepStatus::Fail | StepStatus::Drift | StepStatus::Pending) {
            let names: Vec<String> =
                skipped.iter().map(|j| format!("{} \"{}\"", j + 1, self.lesson.steps[*j].title)).collect();
            report.notes.push(format!(
                "This step builds on steps that have not run yet ({}): that is why its output differs from the document's.",
                names.join(", ")
            ));
        }
        if let Some(note) = self.ran_after(i, report.status) {
            report.notes.push(note);
        }
        if i == self.current {
            self.typed.clear();
            self.awaiting = None;
        }
        self.finish(i, report.clone());
        report
    }
    }

    kv_fn! {
    fn run_command<B: KvBackend>(
        &mut self,
        c: &crate::lesson::markdown::Command,
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
    ) -> CommandReport {
        let mut notes = Vec::new();
        let mut transcript = String::new();
        let words = split_words(&c.line).unwrap_or_default();
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let mut line = c.line.clone();
        // `update BUCKET KEY VALUE REV`: use this run's revision for one the document named before.
        if w(1) == "kv" && w(2) == "update" {
            if let Ok(doc_rev) = w(6).parse::<u64>() {
                if let Some(mine) = self.rev_map.get(&doc_rev) {
                    if *mine != doc_rev {
                        line = replace_last_word(&line, &mine.to_string());
                        notes.push(format!("The document's revision {doc_rev} is revision {mine} in this run, so the runner used {mine}."));
                    }
                }
            }
        }
        let p = parsed(&c.line);
        let bucket_arg = p.as_ref().and_then(|p| p.arg("bucket")).unwrap_or("").to_string();
        let removes_bucket =
            p.as_ref().is_some_and(|p| p.spec.group == "kv" && p.spec.name == "del" && p.arg("key").is_none());
        if p.as_ref().is_some_and(|p| p.spec.group == "kv" && p.spec.name == "add") {
            self.buckets.push(bucket_arg.clone());
        }
        let mut ran = aw!(Self::run_line(s, clock, &line, &mut transcript));
        if ran.asked {
            notes.push("The nats CLI asks before it deletes; the runner answered yes.".to_string());
        }
        let expects_error = c.expected.as_deref().is_some_and(is_error);
        // A bucket the document uses but never created.
        let mut gone_already = None;
        if !expects_error && ran.error == Some(ErrorKind::BucketNotFound) && w(1) == "kv" {
            let bucket = bucket_arg.clone();
            if removes_bucket {
                // Nothing to remove: creating the bucket only to delete it would teach nothing.
                gone_already = Some(bucket);
            } else if !bucket.is_empty() && !self.buckets.contains(&bucket) {
                let mut t = String::new();
                let setup = self.setup_for(&bucket);
                let made = setup.is_some();
                let setup = setup.unwrap_or_else(|| Setup::Command(format!("nats kv add {bucket}")));
                let how = aw!(Self::create_as_lesson(s, clock, &setup, &mut t));
                self.buckets.push(bucket.clone());
                transcript.push_str(&t);
                notes.push(if made {
                    format!(
                        "The bucket {bucket} did not exist yet (the step that creates it has not run). The runner created it as the lesson does, {how}, and ran the command again."
                    )
                } else {
                    format!(
                        "The document uses the bucket {bucket} without creating it. The runner created it {how} and ran the command again."
                    )
                });
                ran = aw!(Self::run_line(s, clock, &line, &mut transcript));
            }
        }
        // An update that names a revision from the author's bucket.
        if !expects_error && w(1) == "kv" && w(2) == "update" && ran.error == Some(ErrorKind::WrongLastSequence) {
            if let (Ok(doc_rev), Some(latest)) = (w(6).parse::<u64>(), latest_revision(&ran.out)) {
                self.rev_map.insert(doc_rev, latest);
                self.rev_map.insert(doc_rev + 1, latest + 1);
                line = replace_last_word(&line, &latest.to_string());
                notes.push(format!(
                    "The document's revision {doc_rev} came from its author's bucket. Here the key's latest revision is {latest}, so the runner updated with {latest}: `update` must name the latest revision."
                ));
                ran = aw!(Self::run_line(s, clock, &line, &mut transcript));
            }
        }
        let verdict = match gone_already {
            Some(b) => Verdict::Drift(vec![format!(
                "The bucket {b} does not exist here (the steps that create it have not run), so there was nothing to remove."
            )]),
            None => verdict_for(c, &ran, &mut notes),
        };
        CommandReport {
            line: c.line.clone(),
            transcript,
            expected: c.expected.clone(),
            actual: ran.out,
            verdict,
            notes,
        }
    }
    }

}

kv_fn! {
/// Evaluates an exercise check against the backend's state.
pub fn check<B: KvBackend>(b: &mut B, c: &str) -> bool {
    let w = split_words(c).unwrap_or_default();
    let s = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    match (s(0), s(2)) {
        ("bucket", "exists") => aw!(b.status(s(1))).is_ok(),
        ("bucket", "history") => aw!(b.status(s(1))).is_ok_and(|st| st.history().to_string() == s(3)),
        ("bucket", "ttl") => {
            aw!(b.status(s(1))).is_ok_and(|st| parse_cli_duration(s(3)).is_some_and(|d| d == st.config.max_age))
        }
        ("bucket", "missing") => aw!(b.status(s(1))).is_err(),
        ("key", _) => match s(3) {
            "=" => aw!(b.get(s(1), s(2))).is_ok_and(|e| e.value == s(4).as_bytes()),
            "deleted" => aw!(b.history(s(1), s(2))).is_ok_and(|h| h.last().is_some_and(|e| e.operation != Operation::Put)),
            "revisions" => aw!(b.history(s(1), s(2))).is_ok_and(|h| h.len().to_string() == s(4)),
            _ => false,
        },
        _ => false,
    }
}
}

kv_fn! {
/// Performs a program's `add` statement: creates the bucket as its `create_key_value` does (`pyops::add_config`).
pub fn add<B: KvBackend>(line: &str, b: &mut B) -> Result<(), String> {
    let cfg = crate::lesson::pyops::add_config(line)?;
    aw!(b.create_bucket(&cfg)).map(|_| ()).map_err(|e| format!("add failed: {}", crate::lesson::pyops::py_error(&e)))
}
}
