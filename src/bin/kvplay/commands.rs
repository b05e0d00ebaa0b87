//! kvplay's commands that run scripts, lessons, code and the shell (`serve` and `workshop` have files of their own).

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::engine::Nanos;
use nats_kv_playground::script::{run_script, ScriptOptions};
use nats_kv_playground::session::{Line, LineResult, Session};

/// `kvplay code LANG COMMAND|FILE`: a command, or a script's commands, as a program in a client's language.
pub fn code(lang: &str, what: &str) -> ExitCode {
    use nats_kv_playground::codegen::{program, snippet, Lang};
    let Some(lang) = Lang::from_name(lang) else {
        eprintln!("kvplay: code knows python, javascript, rust and go, not {lang}");
        return ExitCode::from(2);
    };
    let text = if std::path::Path::new(what).is_file() {
        match std::fs::read_to_string(what) {
            Ok(src) => {
                let lines: Vec<String> = src.lines().map(|l| l.trim().trim_start_matches("! ").to_string()).collect();
                Ok(program(lang, &lines))
            }
            Err(e) => Err(format!("cannot read {what}: {e}")),
        }
    } else {
        snippet(lang, what)
    };
    match text {
        Ok(t) => {
            print!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kvplay: {e}");
            ExitCode::from(1)
        }
    }
}

pub fn wall_clock() -> Nanos {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as Nanos).unwrap_or(0)
}

pub fn run_file<B: KvBackend>(mut session: Session<B>, file: &str, start: Nanos, yes: bool) -> ExitCode {
    let src = match std::fs::read(file) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("kvplay: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = run_script(&mut session, &src, ScriptOptions { start, assume_yes: yes });
    print!("{}", report.transcript);
    if report.unexpected.is_empty() {
        return ExitCode::SUCCESS;
    }
    for u in &report.unexpected {
        let what = if u.expected_failure { "succeeded but was expected to fail" } else { "failed" };
        eprintln!("kvplay: {file}:{}: {what}: {}", u.line_no, u.line);
    }
    ExitCode::FAILURE
}

pub fn run_lesson<B: KvBackend>(mut session: Session<B>, what: &str, start: Nanos) -> ExitCode {
    let (lesson, _) = match read_lesson(what) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut clock = nats_kv_playground::lesson::runner::VirtualClock(start);
    let (report, failed) = nats_kv_playground::lesson::runner::run_all(lesson, &mut session, &mut clock);
    print!("{report}");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A lesson by file or built-in name, with its Markdown.
pub fn read_lesson(what: &str) -> Result<(nats_kv_playground::lesson::Lesson, String), ExitCode> {
    use nats_kv_playground::lesson::{parse, BUILT_IN};
    if let Some((_, src)) = BUILT_IN.iter().find(|(n, _)| *n == what) {
        return Ok((parse(src), src.to_string()));
    }
    match std::fs::read(what) {
        Ok(b) => {
            let src = String::from_utf8_lossy(&b).into_owned();
            Ok((parse(&src), src))
        }
        Err(e) => {
            eprintln!("kvplay: cannot read {what}: {e} (built-in lessons: cli, python)");
            Err(ExitCode::from(2))
        }
    }
}

/// `kvplay lesson --check FILE...`: every problem with the lessons' exercise checks, as `FILE:LINE: problem`.
pub fn check_lessons(files: &[String]) -> ExitCode {
    let mut problems = 0;
    for f in files {
        let (_, src) = match read_lesson(f) {
            Ok(l) => l,
            Err(code) => return code,
        };
        let found = nats_kv_playground::lesson::checks::validate_checks(&src);
        for p in &found {
            eprintln!("{f}:{}: {}", p.line, p.message);
        }
        if found.is_empty() {
            let n = nats_kv_playground::lesson::parse(&src).steps.iter().filter(|s| s.exercise.is_some()).count();
            match n {
                0 => println!("{f}: no exercises to check"),
                1 => println!("{f}: every exercise check is sound (1 exercise)"),
                n => println!("{f}: every exercise check is sound ({n} exercises)"),
            }
        }
        problems += found.len();
    }
    if problems == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("kvplay: {problems} problem{} with exercise checks", if problems == 1 { "" } else { "s" });
        ExitCode::FAILURE
    }
}

/// A workshop's learner run headless: each step's record and the learner's presence go into the instructor's
/// progress bucket over the lesson's own connection.
pub struct LearnerProgress {
    writer: nats_kv_playground::workshop::learner::ProgressWriter,
    lesson: nats_kv_playground::lesson::Lesson,
    created: nats_kv_playground::lesson::checks::Created,
    /// The first write that failed.
    pub error: Option<String>,
}

impl LearnerProgress {
    pub fn new(learner: &str, what: &str, lesson: &nats_kv_playground::lesson::Lesson, src: &str) -> LearnerProgress {
        use nats_kv_playground::lesson::{checks::Created, progress};
        LearnerProgress {
            writer: nats_kv_playground::workshop::learner::ProgressWriter::new(learner, &progress::lesson_name(what)),
            lesson: lesson.clone(),
            created: Created::of(src),
            error: None,
        }
    }

    fn keep(&mut self, r: Result<u64, String>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    /// The learner joined: presence at step 0.
    pub fn join(&mut self, remote: &RemoteKv) {
        let r = self.writer.write_presence(remote, 0, wall_clock());
        self.keep(r);
    }

    /// Step `i` ended with `r`: its record, then the learner's presence on it.
    pub fn after_step(&mut self, i: usize, r: &nats_kv_playground::lesson::StepReport, remote: &RemoteKv) {
        let broken =
            self.lesson.steps.get(i).and_then(|s| nats_kv_playground::lesson::checks::broken_check(s, &self.created));
        let w = self.writer.write_step(remote, &self.lesson, i, r, broken, wall_clock());
        self.keep(w);
        let p = self.writer.write_presence(remote, i + 1, wall_clock());
        self.keep(p);
    }
}

/// `kvplay lesson FILE --server nats://NAME:PASS@HOST:PORT --learner NAME`: the lesson over the wire, with its
/// progress written as the page writes it.
pub fn learner_lesson(url: &str, what: &str, learner: &str) -> ExitCode {
    let (lesson, src) = match read_lesson(what) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let remote = match RemoteKv::connect(url) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.message);
            return ExitCode::from(1);
        }
    };
    let mut progress = LearnerProgress::new(learner, what, &lesson, &src);
    progress.join(&remote);
    let mut session = Session::new(remote);
    let mut clock = nats_kv_playground::lesson::runner::VirtualClock(wall_clock());
    let (report, failed) =
        nats_kv_playground::lesson::runner::run_all_each(lesson, &mut session, &mut clock, None, &mut |i, r, s| {
            progress.after_step(i, r, &s.backend)
        });
    print!("{report}");
    if let Some(e) = &progress.error {
        eprintln!("kvplay: progress for {learner} was not written: {e}");
        return ExitCode::FAILURE;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `kvplay lesson FILE --python PY`: the lesson's commands and its Python programs (CPython with nats-py)
/// against one server: a kvplay serve in this process, or the real server `--server` names.
pub fn python_lesson(python: &str, what: &str, server: Option<&str>, learner: Option<&str>) -> ExitCode {
    use nats_kv_playground::lesson::pyprocess::{PythonProcess, ServedClock};
    use nats_kv_playground::net;
    use nats_kv_playground::server::ServerOptions;
    let (lesson, src) = match read_lesson(what) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (served, kv_url, py_url) = match server {
        Some(url) if url.starts_with("nats://") => (None, url.to_string(), url.to_string()),
        Some(url) => {
            eprintln!(
                "kvplay: with --python, --server needs the server's nats:// address (Python connects there), not {url}"
            );
            return ExitCode::from(2);
        }
        None => {
            let opts = net::ServeOptions {
                addr: "127.0.0.1".into(),
                port: 0,
                websocket_port: None,
                http_port: None,
                server: ServerOptions::default(),
                js_limits: None,
                trace: false,
            };
            match net::start(opts) {
                Ok(r) => {
                    let url = format!("nats://127.0.0.1:{}", r.port);
                    (Some(r), url.clone(), url)
                }
                Err(e) => {
                    eprintln!("kvplay: cannot start the lesson's server: {e}");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let remote = match RemoteKv::connect(&kv_url) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.message);
            return ExitCode::from(1);
        }
    };
    let mut py = match PythonProcess::start(python, &py_url, served.is_none()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kvplay: cannot start {python}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut progress = learner.map(|l| LearnerProgress::new(l, what, &lesson, &src));
    if let Some(p) = progress.as_mut() {
        p.join(&remote);
    }
    let mut session = Session::new(remote);
    let mut clock = ServedClock { running: served.as_ref(), now: wall_clock() };
    let (report, failed) = nats_kv_playground::lesson::runner::run_all_each(
        lesson,
        &mut session,
        &mut clock,
        Some(&mut py),
        &mut |i, r, s| {
            if let Some(p) = progress.as_mut() {
                p.after_step(i, r, &s.backend)
            }
        },
    );
    drop(py);
    drop(session);
    if let Some(r) = served {
        r.stop();
    }
    print!("{report}");
    if let Some(e) = progress.and_then(|p| p.error) {
        eprintln!("kvplay: progress was not written: {e}");
        return ExitCode::FAILURE;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn shell<B: KvBackend>(mut session: Session<B>, fixed: Option<Nanos>) -> ExitCode {
    use std::io::IsTerminal;
    // natscli colours watch output only when it writes to a terminal.
    session.display.color = std::io::stdout().is_terminal();
    let start = fixed.unwrap_or_else(wall_clock);
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut lines = stdin.lock().lines();
    // How far `sleep`s moved the shell's clock ahead of the wall clock (no real wait, as in the page).
    let mut moved: Nanos = 0;
    loop {
        let prompt = match session.question() {
            Some(q) => format!("? {q} (y/N) "),
            None => "$ ".to_string(),
        };
        let _ = write!(out, "{prompt}");
        let _ = out.flush();
        let Some(Ok(line)) = lines.next() else { break };
        let now = fixed.unwrap_or_else(wall_clock).max(start);
        let r = match Line::parse(&line) {
            Line::Sleep(d) if session.question().is_none() => {
                match nats_kv_playground::clock::later(now.saturating_add(moved), d) {
                    Ok(t) => {
                        moved = t - now;
                        LineResult::done(session.advance(t), true)
                    }
                    Err(e) => LineResult::done(
                        vec![nats_kv_playground::cli::exec::Chunk::Err(format!("sleep: {e}\n"))],
                        false,
                    ),
                }
            }
            _ => session.run_line(&line, now.saturating_add(moved)),
        };
        let _ = write!(out, "{}", r.text());
    }
    let _ = writeln!(out);
    ExitCode::SUCCESS
}

/// `kvplay embed FILE`: the `cmds=` value that embeds a script's commands in a page.
pub fn embed(file: &str) -> ExitCode {
    let src = match std::fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kvplay: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let cmds: Vec<String> = src
        .lines()
        .map(str::trim)
        .filter(|l| nats_kv_playground::session::Line::recorded(l))
        .map(str::to_string)
        .collect();
    match nats_kv_playground::transfer::encode_share(&cmds) {
        Ok(p) => {
            println!("{p}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kvplay: {e}");
            ExitCode::FAILURE
        }
    }
}
