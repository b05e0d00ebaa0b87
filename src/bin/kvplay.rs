//! `kvplay`: runs `nats kv` scripts and lessons headless, an interactive shell, a NATS server (`serve`) or a
//! workshop on a real nats-server (`workshop`), over the same code the browser runs. Native only.

#[cfg(not(target_arch = "wasm32"))]
#[path = "kvplay/args.rs"]
mod args;
#[cfg(not(target_arch = "wasm32"))]
#[path = "kvplay/commands.rs"]
mod commands;
#[cfg(not(target_arch = "wasm32"))]
#[path = "kvplay/serve.rs"]
mod serve;
#[cfg(not(target_arch = "wasm32"))]
#[path = "kvplay/workshop.rs"]
mod workshop;

/// kvplay needs files, sockets and processes: there are none in a browser.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use nats_kv_playground::client::native::RemoteKv;

    use nats_kv_playground::session::Session;
    use std::process::ExitCode;

    use args::{Cli, Cmd};
    use commands::*;

    let cli = match Cli::try_parse_from(args::normalise(std::env::args_os())) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let mut common = cli.common;
    let (lesson, run) = match cli.command {
        Some(Cmd::Serve(a)) => return serve::serve(a),
        Some(Cmd::Workshop(a)) => return workshop::workshop(a),
        Some(Cmd::Code { lang, what }) => return code(&lang, &what),
        Some(Cmd::Embed { file }) => return embed(&file),
        Some(Cmd::Lesson(l)) if l.check => return check_lessons(&l.lessons),
        Some(Cmd::Lesson(l)) => {
            if l.lessons.len() > 1 {
                eprintln!("kvplay: lesson runs one lesson at a time (--check takes several)");
                return ExitCode::from(2);
            }
            common = common.with(&l.common);
            (Some(l), None)
        }
        Some(Cmd::Run { file, common: after }) => {
            common = common.with(&after);
            (None, Some(file))
        }
        None => (None, None),
    };
    let what = lesson.as_ref().and_then(|l| l.lessons.first().cloned());
    let learner = lesson.as_ref().and_then(|l| l.learner.clone());
    if let Some(name) = &learner {
        match (&common.server, &what) {
            (Some(url), Some(_)) if !url.starts_with("nats://") => {
                eprintln!(
                    "kvplay: --learner needs the workshop server's nats:// address, like nats://NAME:PASS@HOST:4222"
                );
                return ExitCode::from(2);
            }
            (None, _) => {
                eprintln!("kvplay: --learner needs --server nats://NAME:PASS@HOST:PORT (the workshop's server)");
                return ExitCode::from(2);
            }
            _ => {}
        }
        if let (None, Some(url), Some(w)) = (&common.python, &common.server, &what) {
            return learner_lesson(url, w, name);
        }
    }
    if let (Some(py), Some(l)) = (&common.python, &what) {
        return python_lesson(py, l, common.server.as_deref(), learner.as_deref());
    }
    if let Some(url) = common.server {
        let remote = match RemoteKv::connect(&url) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}", e.message);
                return ExitCode::from(1);
            }
        };
        let start = wall_clock();
        let session = Session::new(remote);
        return match (run, what) {
            (Some(file), _) => run_file(session, &file, start, common.yes),
            (None, Some(l)) => run_lesson(session, &l, start),
            (None, None) => shell(session, None),
        };
    }
    let start = common.clock.unwrap_or_else(wall_clock);
    let session = Session::new(nats_kv_playground::server::Standalone::embedded(start));
    match (run, what) {
        (Some(file), _) => run_file(session, &file, start, common.yes),
        (None, Some(l)) => run_lesson(session, &l, start),
        (None, None) => shell(session, common.clock),
    }
}
