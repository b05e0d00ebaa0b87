//! `kvplay serve`: the engine as a NATS server, with flags as nats-server spells them where they overlap; and
//! the Ctrl-C handling it shares with `kvplay workshop`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use nats_kv_playground::net;
use nats_kv_playground::server::{Auth, ServerOptions};

use super::args::ServeArgs;
use super::commands::wall_clock;

/// Set by the SIGINT and SIGTERM handler; the serving loops poll it.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Set by SIGUSR2 (`nats-server --signal ldm` sends it): lame duck mode.
static LAME_DUCK: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_sigint(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
extern "C" fn on_sigusr2(_: libc::c_int) {
    LAME_DUCK.store(true, Ordering::SeqCst);
}

/// SIGUSR2 sets `LAME_DUCK`, as nats-server enters lame duck mode on it.
fn catch_lame_duck() {
    #[cfg(unix)]
    // SAFETY: the handler only stores into an atomic.
    unsafe {
        libc::signal(libc::SIGUSR2, on_sigusr2 as *const () as libc::sighandler_t);
    }
}

/// Ctrl-C (and SIGTERM) set `STOP` instead of ending the process, so what runs is stopped in order.
pub fn catch_ctrl_c() {
    #[cfg(unix)]
    // SAFETY: the handler only stores into an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_sigint as *const () as libc::sighandler_t);
    }
}

pub fn serve(a: ServeArgs) -> ExitCode {
    let mut opts = net::ServeOptions {
        addr: a.addr,
        port: a.port,
        websocket_port: (a.websocket_port != 0).then_some(a.websocket_port),
        http_port: a.http_port,
        server: ServerOptions {
            server_id: String::new(),
            server_name: String::new(),
            watch_log: false,
            ..ServerOptions::default()
        },
        js_limits: None,
        trace: a.trace,
    };
    if let Some(n) = a.max_mem {
        opts.js_limits.get_or_insert_with(net::system_limits).max_memory = n;
    }
    if let Some(n) = a.max_file {
        opts.js_limits.get_or_insert_with(net::system_limits).max_storage = n;
    }
    if let Some(n) = a.max_payload {
        if n > opts.server.max_pending {
            eprintln!(
                "kvplay serve: max_payload ({n}) can not be higher than max_pending ({})",
                opts.server.max_pending
            );
            return ExitCode::from(2);
        }
        opts.server.max_payload = n;
    }
    match (a.user, a.pass, a.auth) {
        (Some(user), Some(pass), _) => opts.server.auth = Auth::UserPass { user, pass },
        (_, _, Some(token)) => opts.server.auth = Auth::Token(token),
        _ => {}
    }
    let id = format!("NKVPLAYSERVE{:044X}", wall_clock() as u128 & 0xFFFF_FFFF_FFFF_FFFF);
    opts.server.server_id = id.chars().take(56).collect();
    opts.server.server_name = a.name.unwrap_or_else(|| opts.server.server_id.clone());
    let mut running = match net::start(opts.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kvplay serve: cannot listen on {e}");
            return ExitCode::from(1);
        }
    };
    catch_ctrl_c();
    catch_lame_duck();
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
    let mut lame = false;
    while !STOP.load(Ordering::SeqCst) && !running.finished() {
        if !lame && LAME_DUCK.load(Ordering::SeqCst) {
            lame = true;
            println!("kvplay serve: entering lame duck mode, stop accepting new clients");
            let _ = std::io::stdout().flush();
            running.lame_duck();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    running.stop();
    // Whoever started it may have stopped reading: the last line is best effort.
    let _ = writeln!(std::io::stdout(), "kvplay serve: stopped");
    ExitCode::SUCCESS
}
