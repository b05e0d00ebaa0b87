//! `kvplay workshop`: writes a workshop's files and, unless `--no-start`, runs it (nats-server, the
//! instructor's buckets, the web server) until Ctrl-C.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use nats_kv_playground::workshop::config::INSTRUCTOR_USER;
use nats_kv_playground::workshop::{self, http::Site, links, start, LessonFile, Limits, Plan, Seats};

use super::args::WorkshopArgs;
use super::serve::{catch_ctrl_c, STOP};

/// `println!` that ignores a closed standard output (the instructor piped it to `head`): the workshop runs on.
macro_rules! say {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `print!`, likewise.
macro_rules! say_raw {
    ($($t:tt)*) => {{
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("kvplay workshop: {msg}");
    ExitCode::from(2)
}

/// Whether an address only reaches this machine.
fn loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
}

pub fn workshop(a: WorkshopArgs) -> ExitCode {
    let seats = match (&a.seats, &a.names) {
        (Some(n), _) => Seats::Count(*n),
        (None, Some(names)) => Seats::Names(names.clone()),
        (None, None) => return fail("say who takes part: --seats N or --names a,b,c"),
    };
    let names = match workshop::learner_names(&seats) {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    let mut lessons: Vec<LessonFile> = Vec::new();
    for p in &a.lessons {
        match LessonFile::read(p) {
            Ok(l) if lessons.iter().any(|o| o.file == l.file) => {
                return fail(format!("two lessons are named {}: each is served as lessons/{}", l.file, l.file))
            }
            Ok(l) => lessons.push(l),
            Err(e) => return fail(e),
        }
    }
    let ports = [("--port", a.port), ("--ws-port", a.ws_port), ("--http-port", a.http_port)];
    for (i, (flag, p)) in ports.iter().enumerate() {
        if *p == 0 {
            return fail(format!("{flag} needs a port number from 1 to 65535"));
        }
        if let Some((other, _)) = ports[..i].iter().find(|(_, q)| q == p) {
            return fail(format!("{flag} and {other} are both {p}: each needs a port of its own"));
        }
    }
    let accounts = a.out.join("accounts.conf");
    let earlier = match std::fs::read_to_string(&accounts) {
        Ok(text) => workshop::config::read_passwords(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return fail(format!("cannot read {}: {e}", accounts.display())),
    };
    let (learners, instructor_password) = workshop::with_passwords(&names, &earlier, a.new_passwords);
    let bind = a.bind.clone().unwrap_or_else(|| if loopback(&a.host) { a.host.clone() } else { "0.0.0.0".into() });
    let plan = Plan {
        learners,
        instructor_password,
        limits: Limits { max_memory: a.learner_mem, max_file: a.learner_file, ..Limits::default() },
        bind,
        host: a.host.clone(),
        port: a.port,
        ws_port: a.ws_port,
        http_port: a.http_port,
    };
    let written = match workshop::write_files(&a.out, &plan, &lessons) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let kept = plan.learners.iter().filter(|l| earlier.iter().any(|(u, p)| *u == l.name && *p == l.password)).count();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    say!(
        "kvplay workshop: {}, {}; files in {}:",
        plural(plan.learners.len(), "learner", "learners"),
        plural(lessons.len(), "lesson", "lessons"),
        a.out.display()
    );
    for w in &written {
        say!("  {}", w.display());
    }
    if kept > 0 {
        say!("  ({kept} learners keep the passwords of the earlier files: their links stay valid)");
    }
    if a.create_buckets {
        // The server the links name, wherever it runs.
        let url = format!("nats://{}:{}@{}:{}", INSTRUCTOR_USER, plan.instructor_password, plan.host, plan.port);
        return match start::create_buckets(&url, a.replicas) {
            Ok(()) => {
                say!("\nThe instructor's buckets are ready on nats://{}:{}.", plan.host, plan.port);
                say!("\nBoard: {}", links::board_link(&plan));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("kvplay workshop: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if a.no_start {
        say!("\nStart the server with: nats-server -c {}", a.out.join("nats-server.conf").display());
        say!(
            "Serve the page, the lessons (as lessons/FILE) and workshop.json from one origin at {}.",
            links::site(&plan)
        );
        say!("Then create the instructor's buckets once (with --replicas 3 on a cluster of three):");
        say!("  the same command with --create-buckets added");
        say!("\nBoard: {}", links::board_link(&plan));
        return ExitCode::SUCCESS;
    }
    let nats_server = match start::find_nats_server(a.nats_server.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let site = Site {
        dir: a.site.clone(),
        lessons: lessons.iter().map(|l| (l.file.clone(), l.path.clone())).collect(),
        workshop_json: links::workshop_json(&plan, &lessons),
    };
    catch_ctrl_c();
    let mut running = match start::start(&nats_server, &a.out, &plan, site) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    say!("\nnats-server is running (log: {}), with the instructor's buckets.", running.log.display());
    say!("  clients:   nats://{}:{}", plan.host, plan.port);
    say!("  websocket: {}", links::ws_server(&plan));
    say!("  page:      {}", links::site(&plan));
    say!("\nJoin links (also in links.txt and links.html):");
    say_raw!("{}", links::links_txt(&plan, &lessons));
    say!("\nWorkshop is running (Ctrl-C stops the server and the page)");
    let _ = std::io::stdout().flush();
    let code = loop {
        if STOP.load(Ordering::SeqCst) {
            break ExitCode::SUCCESS;
        }
        if let Some(status) = running.exited() {
            eprintln!("kvplay workshop: nats-server stopped on its own ({status}); see {}", running.log.display());
            break ExitCode::FAILURE;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    running.stop();
    let _ = writeln!(std::io::stdout(), "kvplay workshop: stopped");
    code
}
