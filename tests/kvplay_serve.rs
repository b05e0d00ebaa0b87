//! `kvplay serve` as a process: it says where it listens and that state is in memory, the project's own client
//! and a plain WebSocket reach it, the monitoring port answers, a password is required when set, and Ctrl-C
//! stops it cleanly.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::engine::Config;
use support::free_port;

/// A started `kvplay serve`, killed if a test ends (or fails) without stopping it.
struct Served(Child);

impl std::ops::Deref for Served {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Served {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `kvplay serve` with the arguments and returns it with the first lines it printed (the rest of its
/// output stays readable in `child.stdout`).
fn start(args: &[&str]) -> (Served, Vec<String>) {
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
    (Served(child), lines)
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
        // A value larger than the connection's first read buffers arrives whole, both ways.
        let big = vec![b'b'; 300_000];
        kv.put("served", "big", &big).expect("a large put");
        assert_eq!(kv.get("served", "big").map(|e| e.value), Ok(big));
    }
    let mut http = TcpStream::connect(("127.0.0.1", mon)).expect("monitoring port");
    http.write_all(b"GET /varz HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
    let mut body = String::new();
    let _ = http.read_to_string(&mut body);
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(body.contains("\"version\": \"2.15.1\"") && body.contains("\"connections\":"), "{body}");
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

/// One HTTP GET on the monitoring port: the status line and the body.
fn http_get(port: u16, path: &str) -> (String, String) {
    let mut http = TcpStream::connect(("127.0.0.1", port)).expect("monitoring port");
    http.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    http.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).expect("request");
    let mut all = String::new();
    let _ = http.read_to_string(&mut all);
    let (head, body) = all.split_once("\r\n\r\n").unwrap_or((&all, ""));
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

fn json_at(port: u16, path: &str) -> serde_json::Value {
    let (status, body) = http_get(port, path);
    assert_eq!(status, "HTTP/1.1 200 OK", "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

/// A raw client: reads the INFO line, sends CONNECT and PING, and returns once PONG arrived.
fn handshake(s: &mut TcpStream, connect: &str) -> Result<(), String> {
    let mut r = BufReader::new(s.try_clone().map_err(|e| e.to_string())?);
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    if !line.starts_with("INFO {") {
        return Err(format!("no INFO: {line:?}"));
    }
    s.write_all(format!("CONNECT {connect}\r\nPING\r\n").as_bytes()).map_err(|e| e.to_string())?;
    line.clear();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    if line != "PONG\r\n" {
        return Err(format!("no PONG: {line:?}"));
    }
    Ok(())
}

#[test]
fn a_thousand_clients_connecting_at_once_are_all_served() {
    // The test itself holds a thousand sockets: raise its own limit as the server does.
    nats_kv_playground::net::raise_open_files_limit();
    let port = free_port();
    let (mut child, _) = start(&["-p", &port.to_string(), "--websocket-port", "0"]);
    let clients: Vec<Vec<TcpStream>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(move || {
                    (0..125)
                        .map(|_| {
                            let s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
                            s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
                            s
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("connector")).collect()
    });
    let mut served = 0;
    let mut failures = Vec::new();
    for mut s in clients.into_iter().flatten() {
        match handshake(&mut s, "{\"verbose\":false}") {
            Ok(()) => served += 1,
            Err(e) => failures.push(e),
        }
    }
    assert_eq!(served, 1000, "{:?}", failures.first());
    interrupt(&mut child);
}

#[test]
fn a_silent_socket_is_closed_after_the_auth_timeout() {
    let port = free_port();
    let (mut child, _) = start(&["-p", &port.to_string(), "--websocket-port", "0", "--user", "u", "--pass", "p"]);
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    let mut got = String::new();
    // Reads to the end: the server closes the socket (a read timeout would end the test with an error here).
    s.read_to_string(&mut got).expect("the server closes the socket");
    let (info, rest) = got.split_once("\r\n").expect("INFO line");
    assert!(info.starts_with("INFO {") && info.contains("\"auth_required\":true"), "{info}");
    assert_eq!(rest, "-ERR 'Authentication Timeout'\r\n");
    interrupt(&mut child);
}

#[test]
fn a_subscriber_that_never_reads_is_cut_off_and_counted_while_others_keep_working() {
    let (port, mon) = (free_port(), free_port());
    let (mut child, _) = start(&["-p", &port.to_string(), "--websocket-port", "0", "-m", &mon.to_string()]);
    let connect = || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
        handshake(&mut s, "{\"verbose\":false}").expect("handshake");
        s
    };
    let mut slow = connect();
    slow.write_all(b"SUB big 1\r\nPING\r\n").expect("sub");
    let mut r = BufReader::new(slow.try_clone().expect("clone"));
    let mut line = String::new();
    r.read_line(&mut line).expect("PONG");
    assert_eq!(line, "PONG\r\n");
    let mut publisher = connect();
    let mut other = connect();
    let payload = vec![b'y'; 1_000_000];
    let mut msg = format!("PUB big {}\r\n", payload.len()).into_bytes();
    msg.extend_from_slice(&payload);
    msg.extend_from_slice(b"\r\n");
    // 150 MB for a subscriber that reads none of it: more than the 64 MB a connection may have waiting, plus
    // what the socket buffers hold.
    for i in 0..150 {
        publisher.write_all(&msg).expect("publish");
        if i % 10 == 0 {
            other.write_all(b"PING\r\n").expect("ping");
            let mut pong = [0u8; 6];
            other.read_exact(&mut pong).expect("the other client is answered");
            assert_eq!(&pong, b"PONG\r\n");
        }
    }
    publisher.write_all(b"PING\r\n").expect("ping");
    let mut pong = [0u8; 6];
    publisher.read_exact(&mut pong).expect("the publisher is answered");
    assert_eq!(&pong, b"PONG\r\n");
    let varz = json_at(mon, "/varz");
    assert_eq!(varz["slow_consumers"], 1, "{varz}");
    assert_eq!(varz["slow_consumer_stats"]["clients"], 1, "{varz}");
    assert_eq!(varz["connections"], 2, "the slow consumer is gone: {varz}");
    // What the socket buffers held arrives, then the end: nothing more is sent, not even an -ERR.
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).expect("the server closed the slow consumer");
    // At most the 64 MB it may have waiting and what the sockets' buffers took: far from the 150 MB sent.
    assert!(rest.len() < 100_000_000, "{} bytes", rest.len());
    assert!(!String::from_utf8_lossy(&rest[rest.len().saturating_sub(200)..]).contains("-ERR"));
    interrupt(&mut child);
}

#[test]
fn monitoring_answers_with_nats_server_fields() {
    let (port, mon) = (free_port(), free_port());
    let (mut child, _) =
        start(&["-p", &port.to_string(), "--websocket-port", "0", "-m", &mon.to_string(), "--max-mem", "1000000"]);
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    c.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    handshake(&mut c, "{\"verbose\":false,\"lang\":\"rust\",\"version\":\"1.0\"}").expect("handshake");
    c.write_all(b"SUB a 1\r\nPUB a 5\r\nhello\r\nPING\r\n").expect("pub");
    let mut r = BufReader::new(c.try_clone().expect("clone"));
    let mut lines = String::new();
    while !lines.ends_with("PONG\r\n") {
        r.read_line(&mut lines).expect("reply");
    }
    assert_eq!(http_get(mon, "/healthz"), ("HTTP/1.1 200 OK".into(), "{\"status\":\"ok\"}".into()));
    let v = json_at(mon, "/varz");
    for (field, want) in [
        ("version", serde_json::json!("2.15.1")),
        ("port", serde_json::json!(port)),
        ("http_port", serde_json::json!(mon)),
        ("max_pending", serde_json::json!(67108864)),
        ("max_payload", serde_json::json!(1048576)),
        ("ping_interval", serde_json::json!(120000000000u64)),
        ("ping_max", serde_json::json!(2)),
        ("auth_timeout", serde_json::json!(2)),
        ("write_deadline", serde_json::json!(10000000000u64)),
        ("connections", serde_json::json!(1)),
        ("total_connections", serde_json::json!(1)),
        ("in_msgs", serde_json::json!(1)),
        ("in_bytes", serde_json::json!(5)),
        ("out_msgs", serde_json::json!(1)),
        ("out_bytes", serde_json::json!(5)),
        ("slow_consumers", serde_json::json!(0)),
        ("subscriptions", serde_json::json!(1)),
    ] {
        assert_eq!(v[field], want, "/varz {field}: {v}");
    }
    assert!(v["mem"].as_u64().is_some_and(|m| m > 0), "{v}");
    assert_eq!(v["jetstream"]["config"]["max_memory"], 1000000, "{v}");
    assert!(v["jetstream"]["config"]["max_storage"].as_i64().is_some_and(|n| n > 0), "{v}");
    assert_eq!(v["jetstream"]["stats"]["accounts"], 1, "{v}");
    let z = json_at(mon, "/connz");
    assert_eq!(
        (z["num_connections"].clone(), z["total"].clone(), z["limit"].clone()),
        (1.into(), 1.into(), 1024.into())
    );
    let conn = &z["connections"][0];
    assert_eq!(conn["kind"], "Client", "{z}");
    assert_eq!(conn["type"], "nats", "{z}");
    assert_eq!(conn["ip"], "127.0.0.1", "{z}");
    assert_eq!(
        (conn["in_msgs"].clone(), conn["out_msgs"].clone(), conn["subscriptions"].clone()),
        (1.into(), 1.into(), 1.into())
    );
    assert_eq!((conn["lang"].clone(), conn["version"].clone()), ("rust".into(), "1.0".into()), "{z}");
    for field in ["cid", "port", "start", "last_activity", "uptime", "idle", "pending_bytes", "in_bytes", "out_bytes"] {
        assert!(!conn[field].is_null(), "/connz {field}: {z}");
    }
    // Subscriptions listed or detailed, and one connection by its id, as nats-server's `/connz` gives them.
    let cid = conn["cid"].clone();
    assert_eq!(json_at(mon, "/connz?subs=1")["connections"][0]["subscriptions_list"], serde_json::json!(["a"]));
    let d = json_at(mon, &format!("/connz?subs=detail&cid={cid}"));
    let want = serde_json::json!([{"subject": "a", "sid": "1", "msgs": 1, "cid": cid}]);
    assert_eq!(d["connections"][0]["subscriptions_list_detail"], want, "{d}");
    let none = json_at(mon, "/connz?cid=999");
    assert_eq!(
        (none["connections"].clone(), none["total"].clone(), none["limit"].clone()),
        (serde_json::json!([]), 1.into(), 1.into())
    );
    // Parameters nats-server cannot read get its 400 in its words (measured on nats-server 2.15.1).
    let bad = "HTTP/1.1 400 Bad Request";
    for (path, words) in [
        ("/connz?sort=bogus", "invalid sorting option: bogus"),
        ("/connz?cid=abc", "Error decoding uint64 for 'cid': strconv.ParseUint: parsing \"abc\": invalid syntax"),
        (
            "/connz?offset=99999999999999999999",
            "Error decoding int for 'offset': strconv.Atoi: parsing \"99999999999999999999\": value out of range",
        ),
        (
            "/connz?subs=bogus",
            "Error decoding boolean for 'subs': strconv.ParseBool: parsing \"bogus\": invalid syntax",
        ),
        ("/connz?state=bogus", "Error decoding state for bogus"),
        ("/connz?sort=stop", "sort by stop only valid on closed connections"),
        (
            "/healthz?js-enabled-only=x",
            "Error decoding boolean for 'js-enabled-only': strconv.ParseBool: parsing \"x\": invalid syntax",
        ),
        (
            "/healthz?stream=S",
            "{\"status\":\"error\",\"error\":\"\\\"account\\\" must not be empty when checking stream health\"}",
        ),
    ] {
        assert_eq!(http_get(mon, path), (bad.to_string(), words.to_string()), "{path}");
    }
    let (status, body) = http_get(mon, "/healthz?account=%3Cx%3E");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, "{\"status\":\"unavailable\",\"error\":\"JetStream account \\\"\\u003cx\\u003e\\\" not found\"}");
    let j = json_at(mon, "/jsz");
    assert_eq!(j["config"]["max_memory"], 1000000, "{j}");
    for field in ["memory", "storage", "reserved_memory", "reserved_storage", "accounts", "api", "server_id", "now"] {
        assert!(!j[field].is_null(), "/jsz {field}: {j}");
    }
    assert_eq!((j["streams"].clone(), j["messages"].clone()), (0.into(), 0.into()), "{j}");
    assert_eq!(http_get(mon, "/nothing").0, "HTTP/1.1 404 Not Found");
    interrupt(&mut child);
}

#[test]
fn at_the_open_files_limit_the_server_keeps_serving_and_accepts_again_when_files_free_up() {
    use std::os::unix::process::CommandExt;
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kvplay"));
    cmd.args(["serve", "-p", &port.to_string(), "--websocket-port", "0"]).stdout(Stdio::piped()).stderr(Stdio::null());
    // SAFETY: setrlimit between fork and exec touches only the child's own limits.
    unsafe {
        cmd.pre_exec(|| {
            let l = libc::rlimit { rlim_cur: 40, rlim_max: 40 };
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
            Ok(())
        });
    }
    let mut child = Served(cmd.spawn().expect("kvplay serve starts"));
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while out.read_line(&mut line).is_ok_and(|n| n > 0) && !line.starts_with("Server is ready") {
        line.clear();
    }
    // More clients than the server has files for: the rest wait in the listen backlog.
    let mut socks: Vec<TcpStream> = (0..60)
        .map(|_| {
            let s = TcpStream::connect(("127.0.0.1", port)).expect("connects (the backlog takes it)");
            s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
            s
        })
        .collect();
    for s in socks.iter_mut().take(20) {
        handshake(s, "{\"verbose\":false}").expect("a client accepted before the limit is served");
    }
    socks.drain(..30);
    for s in socks.iter_mut() {
        handshake(s, "{\"verbose\":false}").expect("a waiting client is served once files are free");
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    assert!(child.wait().expect("it exits").success());
}

/// Output with what differs between two servers left out: times and the server's name.
fn normal(text: &str) -> String {
    text.lines()
        .filter(|l| !l.contains("Leader:"))
        .map(|l| match l.find(" created ") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The page's path to a server: the same session and lesson runner as the engine's, compiled `async` over the
/// connection's client (`session::wire`, `lesson::runner::wire`), print what the engine's print.
#[test]
fn the_session_and_the_runner_over_a_connection_print_what_they_print_on_the_engine() {
    use nats_kv_playground::client::core::Client;
    use nats_kv_playground::client::native::{block_on, NativeDial};
    use nats_kv_playground::client::url::ServerUrl;

    use nats_kv_playground::lesson::{markdown, runner};
    use nats_kv_playground::session;

    let port = free_port();
    let (_served, _) = start(&["--port", &port.to_string()]);
    let url = ServerUrl::parse(&format!("nats://127.0.0.1:{port}")).expect("an address");
    let client = block_on(Client::connect(NativeDial::default(), url)).expect("connects");
    let mut wire = session::wire::Session::new(client);
    let t0 = 1_700_000_000_000_000_000;
    let mut local = session::Session::new(nats_kv_playground::server::Standalone::embedded(t0));
    for line in [
        "nats kv add demo --history 3",
        "nats kv put demo a 1",
        "nats kv put demo a 2",
        "nats kv create demo a 3",
        "nats kv update demo a 3 1",
        "nats kv del demo a",
        "yes",
        "nats kv ls demo",
        "nats kv get demo a",
        "nats kv add demo --history 99",
        "nats kv nope",
    ] {
        let want = local.run_line(line, t0);
        let got = block_on(wire.run_line(line, t0));
        assert_eq!(normal(&got.text()), normal(&want.text()), "{line}");
        assert_eq!((got.ok, got.error, got.question), (want.ok, want.error, want.question), "{line}");
    }

    let lesson = "# Counting\n\n## Make a bucket\n\n```shell\nnats kv add tally\n```\n\n## Count\n\n```shell\nnats kv put tally visits 1\n```\n\n```\n1\n```\n\n```shell\nnats kv update tally visits 2 1\n```\n\n```\n2\n```\n";
    let mut on_engine = runner::LessonRun::new(markdown::parse(lesson));
    let mut on_server = runner::wire::Run(runner::LessonRun::new(markdown::parse(lesson)));
    let mut clock = runner::VirtualClock(t0);
    let mut server_clock = runner::VirtualClock(t0);
    // The second step first: the runner creates the bucket the skipped step makes, on both.
    for i in [1, 0, 1] {
        let want = on_engine.run_step(i, &mut local, &mut clock, true);
        let got = block_on(on_server.run_step(i, &mut wire, &mut server_clock, true));
        assert_eq!(got.status, want.status, "step {i}: {got:?}");
        let text = |r: &runner::StepReport| r.commands.iter().map(|c| normal(&c.transcript)).collect::<String>();
        assert_eq!(text(&got), text(&want), "step {i}");
        assert!(text(&got).contains("tally"), "step {i} ran its commands: {got:?}");
        assert_eq!(got.notes, want.notes, "step {i}");
    }
}

/// Lame duck mode side by side: nats-server on SIGUSR2 (with a short grace period) and `kvplay serve`'s server
/// told the same. Both tell a protocol-1 client with the same INFO (`"ldm":true`), stop JetStream (a request to
/// its API goes unanswered, not even with a 503), refuse new connections, close the client after the grace period and stop.
#[test]
fn lame_duck_mode_tells_clients_refuses_new_ones_and_stops_as_nats_server_does() {
    use std::time::{Duration, Instant};
    fn handshake_ldm(port: u16, enter: &mut dyn FnMut()) -> (String, String, bool, bool) {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        let mut r = BufReader::new(s.try_clone().expect("clone"));
        let mut line = String::new();
        r.read_line(&mut line).expect("greeting");
        s.write_all(b"CONNECT {\"protocol\":1,\"verbose\":false,\"headers\":true,\"no_responders\":true}\r\nPING\r\n")
            .expect("connect");
        for _ in 0..2 {
            line.clear();
            r.read_line(&mut line).expect("PONG, then the INFO after CONNECT");
        }
        enter();
        let mut ldm = String::new();
        r.read_line(&mut ldm).expect("the lame duck INFO");
        s.write_all(b"SUB _INBOX.ldm 1\r\nPUB $JS.API.INFO _INBOX.ldm 0\r\n\r\nPING\r\n").expect("request");
        let mut status = String::new();
        r.read_line(&mut status).expect("the answer, or the PONG");
        let refused = TcpStream::connect(("127.0.0.1", port)).is_err();
        let mut rest = Vec::new();
        let closed = r.read_to_end(&mut rest).is_ok();
        (ldm, status, refused, closed)
    }
    // Ids, names, ports, hosts and nats-server's xkey differ between the two.
    let normal = |info: &str| {
        let mut v: serde_json::Value = serde_json::from_str(info.trim_start_matches("INFO ").trim()).expect("INFO");
        let o = v.as_object_mut().expect("object");
        for k in ["server_id", "server_name", "port", "host", "client_id", "xkey", "go", "git_commit"] {
            o.remove(k);
        }
        (serde_json::to_string(&v).expect("json"), info.ends_with(" \r\n"))
    };
    let root = support::root();
    let mut real =
        support::start_server_conf(root, 91, &[], "lame_duck_grace_period: \"2s\"\nlame_duck_duration: \"30s\"");
    let pid = real.child.id() as i32;
    let theirs = handshake_ldm(real.port, &mut || {
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(pid, libc::SIGUSR2);
        }
    });
    let until = Instant::now() + Duration::from_secs(20);
    while real.child.try_wait().expect("status").is_none() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(real.child.try_wait().expect("status").is_some(), "nats-server stops after lame duck mode");

    let mut ours = support::start_kvplay_serve();
    let port = ours.port;
    let mine = handshake_ldm(port, &mut || ours.lame_duck_within(Duration::from_secs(2), Duration::from_secs(30)));
    let until = Instant::now() + Duration::from_secs(20);
    while !ours.finished() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ours.finished(), "kvplay serve stops after lame duck mode");

    assert!(theirs.0.contains("\"ldm\":true"), "{}", theirs.0);
    assert_eq!(normal(&mine.0), normal(&theirs.0));
    assert_eq!(mine.1, theirs.1, "JetStream's API goes unanswered in lame duck mode");
    assert_eq!(mine.1, "PONG\r\n");
    assert_eq!((mine.2, mine.3), (true, true), "new connections refused, the client closed");
    assert_eq!((theirs.2, theirs.3), (true, true));
}

/// `kvplay serve -V` traces the protocol on standard error as nats-server's `-V` does: each operation a client
/// sent (`<<-`) and was sent (`->>`), payloads quoted, a CONNECT's password hidden.
#[test]
fn serve_with_v_traces_the_protocol_as_nats_server_does() {
    let port = free_port();
    let (mut child, _) = start(&["-V", "-p", &port.to_string(), "--websocket-port", "0"]);
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    c.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    handshake(&mut c, "{\"verbose\":false,\"user\":\"u\",\"pass\":\"secret\"}").expect("handshake");
    c.write_all(b"SUB a 1\r\nPUB a 5\r\nhello\r\nPING\r\n").expect("pub");
    let mut r = BufReader::new(c.try_clone().expect("clone"));
    let mut lines = String::new();
    while !lines.ends_with("PONG\r\n") {
        r.read_line(&mut lines).expect("reply");
    }
    drop(c);
    interrupt(&mut child);
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    let entries: Vec<&str> =
        err.lines().filter(|l| l.contains(" [TRC] ")).filter_map(|l| l.split_once(" - cid:")).map(|(_, e)| e).collect();
    for want in [
        "<<- [CONNECT {\"verbose\":false,\"user\":\"u\",\"pass\":\"[REDACTED]\"}]",
        "<<- [SUB a 1]",
        "<<- [PUB a 5]",
        "<<- MSG_PAYLOAD: [\"hello\"]",
        "->> [MSG a 1 5]",
        "->> MSG_PAYLOAD: [\"hello\"]",
        "->> [PONG]",
    ] {
        assert!(entries.iter().any(|e| e.ends_with(want)), "{want} in {err}");
    }
    assert!(!err.contains("secret"), "{err}");
}

/// Message tracing side by side with nats-server: a message published with `Nats-Trace-Dest` is delivered and
/// followed by a trace of where it came in, the subscriptions it went to and the stream that stored it; with
/// `Nats-Trace-Only` it is traced and not delivered. Compared after leaving out ids, names, hosts and times.
#[test]
fn message_traces_are_nats_servers() {
    use std::time::Duration;
    fn session(port: u16) -> Vec<String> {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        let mut r = BufReader::new(s.try_clone().expect("clone"));
        let mut line = String::new();
        r.read_line(&mut line).expect("greeting");
        let hpub = |subject: &str, hdr: &str| format!("HPUB {subject} {} {}\r\n{hdr}hi\r\n", hdr.len(), hdr.len() + 2);
        let traced = "NATS/1.0\r\nNats-Trace-Dest: traces\r\n\r\n";
        let only = "NATS/1.0\r\nNats-Trace-Dest: traces\r\nNats-Trace-Only: true\r\n\r\n";
        let stream = r#"{"name":"S","subjects":["st.>"]}"#;
        let mut script = String::from("CONNECT {\"verbose\":false,\"headers\":true}\r\n");
        script += "SUB foo 1\r\nSUB traces 2\r\nSUB foo q 3\r\nSUB _INBOX.s 4\r\n";
        script += &hpub("foo", traced);
        script += &hpub("foo", only);
        script += &hpub("nobody", traced);
        script += &format!("PUB $JS.API.STREAM.CREATE.S _INBOX.s {}\r\n{stream}\r\nPING\r\n", stream.len());
        s.write_all(script.as_bytes()).expect("script");
        let mut out = Vec::new();
        let mut lines = Vec::new();
        // nats-server answers the stream's creation after the PONG, at times: both are waited for.
        let (mut ponged, mut created) = (false, false);
        while !(ponged && created) {
            line.clear();
            r.read_line(&mut line).expect("a line");
            if line == "PONG\r\n" {
                ponged = true;
                continue;
            }
            created |= line.starts_with("MSG _INBOX.s");
            lines.push(line.clone());
        }
        // The stream is made: its message's trace names it.
        s.write_all(format!("{}PING\r\n", hpub("st.a", traced)).as_bytes()).expect("stream publish");
        // nats-server sends a stored message's trace once the stream has stored it, after the PONG at times.
        let (mut ponged, mut traced) = (false, false);
        while !(ponged && traced) {
            line.clear();
            r.read_line(&mut line).expect("a line");
            if line == "PONG\r\n" {
                ponged = true;
                continue;
            }
            let trace = line.starts_with("MSG traces");
            lines.push(line.clone());
            if trace {
                line.clear();
                r.read_line(&mut line).expect("the trace");
                lines.push(line.clone());
                traced = true;
            }
        }
        // The stored copy's headers: its trace turned off.
        let get = r#"{"seq":1}"#;
        s.write_all(format!("PUB $JS.API.STREAM.MSG.GET.S _INBOX.s {}\r\n{get}\r\n", get.len()).as_bytes())
            .expect("get");
        loop {
            line.clear();
            r.read_line(&mut line).expect("a line");
            if line.starts_with("MSG _INBOX.s") {
                line.clear();
                r.read_line(&mut line).expect("the message");
                let v: serde_json::Value = serde_json::from_str(line.trim_end()).expect("JSON");
                use base64::Engine as _;
                let hdrs = v["message"]["hdrs"].as_str().unwrap_or_default();
                let raw = base64::engine::general_purpose::STANDARD.decode(hdrs).unwrap_or_default();
                out.push(format!("stored {}", String::from_utf8_lossy(&raw)));
                break;
            }
        }
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i].trim_end().to_string();
            i += 1;
            if l.starts_with("MSG traces") {
                let mut v: serde_json::Value = serde_json::from_str(lines[i].trim_end()).expect("trace JSON");
                i += 1;
                for k in ["name", "host", "id", "seq", "time"] {
                    v["server"].as_object_mut().expect("server").remove(k);
                }
                for e in v["events"].as_array_mut().expect("events") {
                    e.as_object_mut().expect("event").remove("ts");
                    e.as_object_mut().expect("event").remove("cid");
                }
                out.push(format!("trace {v}"));
            } else if l.starts_with("MSG _INBOX.s") {
                i += 1;
            } else if l.starts_with("HMSG ") || l.starts_with("MSG ") {
                out.push(l);
            }
        }
        out
    }
    let root = support::root();
    let real = support::start_server(root, 92);
    let theirs = session(real.port);
    let ours = support::start_kvplay_serve();
    let mine = session(ours.port);
    assert_eq!(mine, theirs);
    assert_eq!(mine.iter().filter(|l| l.starts_with("trace ")).count(), 4, "{mine:#?}");
    assert_eq!(
        mine.iter().filter(|l| l.starts_with("HMSG foo")).count(),
        2,
        "the traced message delivered once to each"
    );
    assert!(mine[0].starts_with("stored NATS/1.0\r\nNats-Trace-Dest: trace disabled"), "{mine:#?}");
}
