//! `kvplay`: runs `nats kv` scripts headless, or an interactive shell, over the same code the browser runs.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::engine::{time::parse_rfc3339_utc, Engine, Nanos};
use nats_kv_playground::script::{run_script, ScriptOptions};
use nats_kv_playground::session::Session;

const USAGE: &str = "usage: kvplay [--clock RFC3339] [--yes] [run FILE | lesson FILE|NAME]

  kvplay                 an interactive shell with the nats kv commands
  kvplay run FILE        run a script and print its transcript
  kvplay code LANG 'nats kv put b k v'
                         print a command as a program for a client: python (nats-py),
                         javascript (nats.js), rust (async-nats) or go (nats.go);
                         with a FILE of commands (a script) instead, the whole session
  kvplay embed FILE      print the cmds= value that embeds a script's commands in a page
  kvplay lesson FILE     run a Markdown lesson step by step and report each step
                         (PASS, DRIFT with its explanation, FAIL); built-in lessons: cli, python
  --python PY            with lesson: run its Python programs with PY (python3, with nats-py) against
                         a kvplay serve started in this process (or the --server, a nats:// address);
                         their sleeps move the served clock at once (real waits with --server)
  --clock 2026-01-01T00:00:00Z   start the virtual clock here (reproducible transcripts)
  --yes                  answer every confirmation question with yes
  --server URL           run against a real nats-server instead of the embedded engine: its WebSocket
                         listener (ws://host:port) or client port (nats://[user:pass@]host:port);
                         a script's `sleep` then waits for real

  kvplay serve [-a ADDR] [-p PORT] [--websocket-port PORT] [-m PORT] [--user U --pass P | --auth TOKEN]
                         the engine as a NATS server with JetStream for any client (nats-py, nats.js,
                         the nats CLI): client port 4222 and WebSocket 8080 on 127.0.0.1 by default;
                         -js and -sd DIR are accepted as nats-server takes them (state stays in memory);
                         --max-mem BYTES and --max-file BYTES are JetStream's server-wide limits
                         (nats-server's max_memory_store and max_file_store; by default 3/4 of memory);
                         --max-payload BYTES is the largest message a client may publish (1 MB)

Script lines: nats commands, '# comments', 'sleep 5s', 'confirm yes|no',
'interrupt' (stops watches), and '! nats ...' for a command expected to fail.
";

/// `kvplay code LANG COMMAND|FILE`: a command, or a script's commands, as a program in a client's language.
fn code(args: Vec<String>) -> ExitCode {
    use nats_kv_playground::codegen::{program, snippet, Lang};
    let (Some(lang), Some(what)) = (args.first(), args.get(1)) else {
        eprintln!(
            "kvplay: code needs a language and a command, like: kvplay code python 'nats kv put b k v'\n\n{USAGE}"
        );
        return ExitCode::from(2);
    };
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

fn wall_clock() -> Nanos {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as Nanos).unwrap_or(0)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut clock: Option<Nanos> = None;
    let mut yes = false;
    let mut run: Option<String> = None;
    let mut lesson: Option<String> = None;
    let mut server: Option<String> = None;
    let mut python: Option<String> = None;
    if std::env::args().nth(1).as_deref() == Some("serve") {
        return serve(std::env::args().skip(2).collect());
    }
    if std::env::args().nth(1).as_deref() == Some("code") {
        return code(std::env::args().skip(2).collect());
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "--clock" => match args.next().as_deref().and_then(parse_rfc3339_utc) {
                Some(t) => clock = Some(t),
                None => {
                    eprintln!("kvplay: --clock needs a time like 2026-01-01T00:00:00Z");
                    return ExitCode::from(2);
                }
            },
            "--yes" | "-y" => yes = true,
            "--python" => match args.next() {
                Some(p) => python = Some(p),
                None => {
                    eprintln!("kvplay: --python needs a Python command, like: --python python3");
                    return ExitCode::from(2);
                }
            },
            "--server" | "-s" => match args.next() {
                Some(u) => server = Some(u),
                None => {
                    eprintln!("kvplay: --server needs a URL like ws://127.0.0.1:8080 or nats://127.0.0.1:4222");
                    return ExitCode::from(2);
                }
            },
            "run" => match args.next() {
                Some(f) => run = Some(f),
                None => {
                    eprintln!("kvplay: run needs a FILE\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "embed" => {
                let Some(f) = args.next() else {
                    eprintln!("kvplay: embed needs a FILE\n\n{USAGE}");
                    return ExitCode::from(2);
                };
                let src = match std::fs::read_to_string(&f) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("kvplay: cannot read {f}: {e}");
                        return ExitCode::from(2);
                    }
                };
                let cmds: Vec<String> = src
                    .lines()
                    .map(str::trim)
                    .filter(|l| l.starts_with("nats ") || l.starts_with("sleep "))
                    .map(str::to_string)
                    .collect();
                return match nats_kv_playground::transfer::encode_share(&cmds) {
                    Ok(p) => {
                        println!("{p}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("kvplay: {e}");
                        ExitCode::FAILURE
                    }
                };
            }
            "lesson" => match args.next() {
                Some(f) => lesson = Some(f),
                None => {
                    eprintln!("kvplay: lesson needs a FILE or a built-in lesson name\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" | "help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("kvplay: unknown argument '{other}'\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    if let (Some(py), Some(l)) = (&python, &lesson) {
        return python_lesson(py, l, server.as_deref());
    }
    #[cfg(target_arch = "wasm32")]
    if python.is_some() {
        eprintln!("kvplay: --python needs the native build");
        return ExitCode::from(2);
    }
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(url) = server {
        let remote = match nats_kv_playground::client::native::RemoteKv::connect(&url) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}", e.message);
                return ExitCode::from(1);
            }
        };
        let start = wall_clock();
        let session = Session::new(remote);
        return match (run, lesson) {
            (Some(file), _) => run_file(session, &file, start, yes),
            (None, Some(l)) => run_lesson(session, &l, start),
            (None, None) => shell(session, None),
        };
    }
    #[cfg(target_arch = "wasm32")]
    if server.is_some() {
        eprintln!("kvplay: --server needs the native build");
        return ExitCode::from(2);
    }
    let start = clock.unwrap_or_else(wall_clock);
    let session = Session::new(Engine::new(start));
    match (run, lesson) {
        (Some(file), _) => run_file(session, &file, start, yes),
        (None, Some(l)) => run_lesson(session, &l, start),
        (None, None) => shell(session, clock),
    }
}

fn run_file<B: KvBackend>(mut session: Session<B>, file: &str, start: Nanos, yes: bool) -> ExitCode {
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

fn run_lesson<B: KvBackend>(mut session: Session<B>, what: &str, start: Nanos) -> ExitCode {
    let lesson = match read_lesson(what) {
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

fn read_lesson(what: &str) -> Result<nats_kv_playground::lesson::Lesson, ExitCode> {
    match nats_kv_playground::lesson::built_in(what) {
        Some(l) => Ok(l),
        None => match std::fs::read(what) {
            Ok(b) => Ok(nats_kv_playground::lesson::parse(&String::from_utf8_lossy(&b))),
            Err(e) => {
                eprintln!("kvplay: cannot read {what}: {e} (built-in lessons: cli, python)");
                Err(ExitCode::from(2))
            }
        },
    }
}

/// The served clock as a lesson sees it: a program's sleep moves the in-process server's time.
#[cfg(not(target_arch = "wasm32"))]
struct ServedClock<'a> {
    running: Option<&'a nats_kv_playground::server::net::Running>,
    now: Nanos,
}

#[cfg(not(target_arch = "wasm32"))]
impl nats_kv_playground::lesson::runner::LessonClock for ServedClock<'_> {
    fn now(&self) -> Nanos {
        self.now
    }
    fn advance(&mut self, by: Nanos) {
        match self.running {
            // The served clock moves; the lesson's own connection must not wait for it (a remote backend
            // waits out any time it is told has passed).
            Some(r) => r.fast_forward(by),
            // A real server keeps real time: the wait is real.
            None => {
                self.now += by.max(0);
                std::thread::sleep(std::time::Duration::from_nanos(by.max(0) as u64))
            }
        }
    }
}

/// `kvplay lesson FILE --python PY`: the lesson's commands and its Python programs (CPython with nats-py)
/// against one server: a kvplay serve in this process, or the real server `--server` names.
#[cfg(not(target_arch = "wasm32"))]
fn python_lesson(python: &str, what: &str, server: Option<&str>) -> ExitCode {
    use nats_kv_playground::client::native::RemoteKv;
    use nats_kv_playground::lesson::pyprocess::PythonProcess;
    use nats_kv_playground::server::{net, ServerOptions};
    let lesson = match read_lesson(what) {
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
    let mut session = Session::new(remote);
    let mut clock = ServedClock { running: served.as_ref(), now: wall_clock() };
    let (report, failed) =
        nats_kv_playground::lesson::runner::run_all_with(lesson, &mut session, &mut clock, Some(&mut py));
    drop(py);
    drop(session);
    if let Some(r) = served {
        r.stop();
    }
    print!("{report}");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn shell<B: KvBackend>(mut session: Session<B>, fixed: Option<Nanos>) -> ExitCode {
    use std::io::IsTerminal;
    // natscli colours watch output only when it writes to a terminal.
    session.display.color = std::io::stdout().is_terminal();
    let start = fixed.unwrap_or_else(wall_clock);
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut lines = stdin.lock().lines();
    loop {
        let prompt = match session.question() {
            Some(q) => format!("? {q} (y/N) "),
            None => "$ ".to_string(),
        };
        let _ = write!(out, "{prompt}");
        let _ = out.flush();
        let Some(Ok(line)) = lines.next() else { break };
        let now = fixed.unwrap_or_else(wall_clock).max(start);
        let r = session.run_line(&line, now);
        let _ = write!(out, "{}", r.text());
    }
    let _ = writeln!(out);
    ExitCode::SUCCESS
}

/// Set by the SIGINT handler; the serve loop polls it.
#[cfg(not(target_arch = "wasm32"))]
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(all(unix, not(target_arch = "wasm32")))]
extern "C" fn on_sigint(_: libc::c_int) {
    STOP.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// `kvplay serve` needs sockets: there are none in a browser.
#[cfg(target_arch = "wasm32")]
fn serve(_: Vec<String>) -> ExitCode {
    eprintln!("kvplay serve runs natively only");
    ExitCode::from(2)
}

/// `kvplay serve`: flags as nats-server spells them where they overlap.
#[cfg(not(target_arch = "wasm32"))]
fn serve(args: Vec<String>) -> ExitCode {
    use nats_kv_playground::server::{net, Auth, ServerOptions};
    let mut opts = net::ServeOptions {
        addr: "127.0.0.1".into(),
        port: 4222,
        websocket_port: Some(8080),
        http_port: None,
        server: ServerOptions { server_id: String::new(), server_name: String::new(), ..ServerOptions::default() },
        js_limits: None,
    };
    let (mut user, mut pass) = (None, None);
    let mut it = args.into_iter();
    let usage = |msg: &str| {
        eprintln!("kvplay serve: {msg}\n\n{USAGE}");
        ExitCode::from(2)
    };
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value =
            |name: &str| inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{name} needs a value"));
        let port = |v: Result<String, String>| -> Result<u16, String> {
            let v = v?;
            v.parse::<u16>().map_err(|_| format!("{v:?} is not a port number"))
        };
        let r: Result<(), String> = (|| {
            match flag.as_str() {
                "-a" | "--addr" | "--net" => opts.addr = value("--addr")?,
                "-p" | "--port" => opts.port = port(value("--port"))?,
                "--websocket-port" | "--ws-port" => {
                    let p = port(value("--websocket-port"))?;
                    opts.websocket_port = (p != 0).then_some(p);
                }
                "-m" | "--http_port" | "--http-port" => opts.http_port = Some(port(value("-m"))?),
                "--user" => user = Some(value("--user")?),
                "--pass" => pass = Some(value("--pass")?),
                "--auth" => opts.server.auth = Auth::Token(value("--auth")?),
                "-n" | "--name" | "--server_name" => opts.server.server_name = value("--name")?,
                // nats-server's JetStream flags: always on here, and nothing is written to disk.
                "-js" | "--js" | "--jetstream" => {}
                "-sd" | "--store_dir" | "--store-dir" => {
                    value("-sd")?;
                }
                // nats-server's `jetstream { max_memory_store, max_file_store }`, in bytes.
                "--max-mem" | "--max_memory_store" => {
                    let v = value("--max-mem")?;
                    let n = v.parse::<i64>().map_err(|_| format!("{v:?} is not a number of bytes"))?;
                    opts.js_limits.get_or_insert_with(net::system_limits).max_memory = n;
                }
                "--max-file" | "--max_file_store" => {
                    let v = value("--max-file")?;
                    let n = v.parse::<i64>().map_err(|_| format!("{v:?} is not a number of bytes"))?;
                    opts.js_limits.get_or_insert_with(net::system_limits).max_storage = n;
                }
                // nats-server's `max_payload`: the largest message a client may publish, which INFO announces.
                "--max-payload" | "--max_payload" => {
                    let v = value("--max-payload")?;
                    let n = v.parse::<usize>().ok().filter(|n| *n > 0);
                    let n = n.ok_or_else(|| format!("{v:?} is not a number of bytes"))?;
                    if n > opts.server.max_pending {
                        return Err(format!(
                            "max_payload ({n}) can not be higher than max_pending ({})",
                            opts.server.max_pending
                        ));
                    }
                    opts.server.max_payload = n;
                }
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown flag {other}")),
            }
            Ok(())
        })();
        match r {
            Ok(()) => {}
            Err(e) if e.is_empty() => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Err(e) => return usage(&e),
        }
    }
    match (user, pass) {
        (Some(u), Some(p)) => opts.server.auth = Auth::UserPass { user: u, pass: p },
        (None, None) => {}
        _ => return usage("--user and --pass go together"),
    }
    let id = format!("NKVPLAYSERVE{:044X}", wall_clock() as u128 & 0xFFFF_FFFF_FFFF_FFFF);
    opts.server.server_id = id.chars().take(56).collect();
    if opts.server.server_name.is_empty() {
        opts.server.server_name = opts.server.server_id.clone();
    }
    let running = match nats_kv_playground::server::net::start(opts.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kvplay serve: cannot listen on {}: {e}", opts.addr);
            return ExitCode::from(1);
        }
    };
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_sigint as *const () as libc::sighandler_t);
    }
    println!(
        "kvplay serve: NATS {} with JetStream, state kept in memory only (lost when it stops)",
        nats_kv_playground::server::api::SERVER_VERSION
    );
    println!("  clients:   nats://{}:{}", opts.addr, running.port);
    if running.websocket_port > 0 {
        println!("  websocket: ws://{}:{}", opts.addr, running.websocket_port);
    }
    if running.http_port > 0 {
        println!("  monitor:   http://{}:{}/varz", opts.addr, running.http_port);
    }
    println!("Server is ready (Ctrl-C stops it)");
    let _ = std::io::stdout().flush();
    while !STOP.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    running.stop();
    // Whoever started it may have stopped reading: the last line is best effort.
    let _ = writeln!(std::io::stdout(), "kvplay serve: stopped");
    ExitCode::SUCCESS
}
