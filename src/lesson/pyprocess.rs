//! A lesson's Python programs run headless by CPython (`kvplay lesson FILE --python PY`): one `PY` process runs
//! `python_driver.py`, which takes each cell as a JSON line and answers with what it printed and how it ended,
//! in one namespace as the page's cells share one. The programs' `nats.connect("nats://localhost:4222")` reaches
//! the server kvplay names (`KVPLAY_NATS_URL`); their sleeps move the lesson's clock. Native only.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use super::runner::{LessonClock, PythonRun, PythonRunner};
use crate::engine::Nanos;

const DRIVER: &str = include_str!("python_driver.py");

/// A running Python, its cells' namespace kept between programs.
pub struct PythonProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Seconds of real time a program may run before it is stopped (a watcher never ends by itself).
    pub timeout_secs: f64,
}

impl PythonProcess {
    /// Starts `python` (a command such as `python3`) with the driver; `nats_url` is where the programs'
    /// `localhost:4222` goes; with `real_clock` (a real server) the programs' sleeps are real waits.
    pub fn start(python: &str, nats_url: &str, real_clock: bool) -> std::io::Result<PythonProcess> {
        let mut child = Command::new(python)
            .arg("-u")
            .arg("-c")
            .arg(DRIVER)
            .env("KVPLAY_NATS_URL", nats_url)
            .env("PYTHONIOENCODING", "utf-8")
            .env("KVPLAY_REAL_CLOCK", if real_clock { "1" } else { "" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(std::io::Error::other("no pipes to the Python process"));
        };
        Ok(PythonProcess { child, stdin, stdout: BufReader::new(stdout), timeout_secs: 10.0 })
    }

    fn send(&mut self, v: &serde_json::Value) -> std::io::Result<()> {
        writeln!(self.stdin, "{v}")?;
        self.stdin.flush()
    }
}

impl PythonRunner for PythonProcess {
    fn run(&mut self, code: &str, filename: &str, clock: &mut dyn LessonClock) -> PythonRun {
        let mut out = PythonRun::default();
        let msg = serde_json::json!({ "t": "run", "code": code, "filename": filename, "timeout": self.timeout_secs });
        if let Err(e) = self.send(&msg) {
            out.traceback = Some(format!("RuntimeError: the Python process is not running: {e}\n"));
            return out;
        }
        loop {
            let mut line = String::new();
            match self.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    out.traceback =
                        Some("RuntimeError: the Python process ended (is nats-py installed for it?)\n".into());
                    return out;
                }
                Ok(_) => {}
            }
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            match v.get("t").and_then(|t| t.as_str()).unwrap_or_default() {
                "out" => out.printed.push_str(v.get("text").and_then(|t| t.as_str()).unwrap_or_default()),
                "clock" => {
                    let ms = v.get("ms").and_then(|m| m.as_f64()).unwrap_or(0.0).clamp(0.0, 1e12);
                    clock.advance((ms * 1_000_000.0) as Nanos);
                    if self.send(&serde_json::json!({ "t": "clock" })).is_err() {
                        return out;
                    }
                }
                "done" => {
                    match v.get("error").and_then(|e| e.as_str()).unwrap_or_default() {
                        "" => {}
                        "timeout" => out.still_running = true,
                        tb => out.traceback = Some(tb.to_string()),
                    }
                    return out;
                }
                _ => {}
            }
        }
    }
}

impl Drop for PythonProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A lesson's clock when its programs run against a kvplay serve in this process (the served clock moves at
/// once), or against a real server (`running` is `None`: a program's sleep is a real wait).
pub struct ServedClock<'a> {
    pub running: Option<&'a crate::net::Running>,
    pub now: Nanos,
}

impl LessonClock for ServedClock<'_> {
    fn now(&self) -> Nanos {
        self.now
    }
    fn advance(&mut self, by: Nanos) {
        // No further than the playground's clocks go (a lesson's `sleep 300y` must not overflow the served clock).
        let by = crate::clock::later(self.now, by).map_or(0, |t| t - self.now);
        match self.running {
            // The served clock moves; the lesson's own connection must not wait for it (a remote backend
            // waits out any time it is told has passed).
            Some(r) => r.fast_forward(by),
            None => {
                self.now += by.max(0);
                std::thread::sleep(std::time::Duration::from_nanos(by.max(0) as u64))
            }
        }
    }
}
