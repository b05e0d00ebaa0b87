//! `kvplay serve` as a process: it says where it listens and that state is in memory, the project's own client
//! and a plain WebSocket reach it, the monitoring port answers, a password is required when set, and Ctrl-C
//! stops it cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::engine::Config;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Starts `kvplay serve` with the arguments and returns it with the first lines it printed (the rest of its
/// output stays readable in `child.stdout`).
fn start(args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvplay"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kvplay serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    let mut line = String::new();
    while out.read_line(&mut line).is_ok_and(|n| n > 0) {
        let ready = line.starts_with("Server is ready");
        lines.push(std::mem::take(&mut line));
        if ready {
            break;
        }
    }
    child.stdout = Some(out.into_inner());
    (child, lines)
}

fn interrupt(child: &mut Child) -> String {
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().expect("it exits");
    assert!(status.success(), "Ctrl-C stops it cleanly: {status:?}");
    let mut rest = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut rest);
    }
    rest
}

#[test]
fn serve_listens_answers_clients_and_monitoring_and_stops_on_ctrl_c() {
    let (port, ws, mon) = (free_port(), free_port(), free_port());
    let (mut child, lines) = start(&[
        "-js",
        "-sd",
        "/nonexistent",
        "-a",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "--websocket-port",
        &ws.to_string(),
        "-m",
        &mon.to_string(),
    ]);
    let banner = lines.join("\n");
    assert!(banner.contains("in memory"), "{banner}");
    assert!(banner.contains(&format!("nats://127.0.0.1:{port}")), "{banner}");
    assert!(banner.contains(&format!("ws://127.0.0.1:{ws}")), "{banner}");
    for url in [format!("nats://127.0.0.1:{port}"), format!("ws://127.0.0.1:{ws}")] {
        let mut kv = RemoteKv::connect(&url).expect("the project's client connects");
        use nats_kv_playground::backend::KvBackend;
        kv.create_bucket(&Config::new("served")).expect("bucket");
        let rev = kv.put("served", "k", b"v").expect("put");
        assert_eq!(kv.get("served", "k").map(|e| e.revision), Ok(rev));
    }
    let mut http = TcpStream::connect(("127.0.0.1", mon)).expect("monitoring port");
    http.write_all(b"GET /varz HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
    let mut body = String::new();
    let _ = http.read_to_string(&mut body);
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(body.contains("\"version\":\"2.15.1\"") && body.contains("\"connections\":"), "{body}");
    let mut http = TcpStream::connect(("127.0.0.1", mon)).expect("monitoring port");
    http.write_all(b"GET /healthz HTTP/1.1\r\n\r\n").expect("request");
    let mut body = String::new();
    let _ = http.read_to_string(&mut body);
    assert!(body.ends_with("{\"status\":\"ok\"}"), "{body}");
    assert!(interrupt(&mut child).contains("kvplay serve: stopped"));
}

#[test]
fn serve_with_a_password_refuses_clients_without_it() {
    let port = free_port();
    let (mut child, _) =
        start(&["-p", &port.to_string(), "--websocket-port", "0", "--user", "learner", "--pass", "s3cret"]);
    let err = RemoteKv::connect(&format!("nats://127.0.0.1:{port}")).err().expect("refused without credentials");
    assert!(err.message.contains("authorization violation"), "{}", err.message);
    let err = RemoteKv::connect(&format!("nats://learner:wrong@127.0.0.1:{port}")).err().expect("refused");
    assert!(err.message.contains("authorization violation"), "{}", err.message);
    assert!(RemoteKv::connect(&format!("nats://learner:s3cret@127.0.0.1:{port}")).is_ok());
    interrupt(&mut child);
}

#[test]
fn serve_explains_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_kvplay")).args(["serve", "-p", "lots"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"lots\" is not a port number"));
}
