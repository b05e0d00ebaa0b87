//! ARCHITECTURE.md's invariants that a test can check by reading the source: the engine, the server core and the
//! code generators do no I/O and read no clock (time reaches them as an argument), and every source file opens
//! with a `//!` line.

use std::path::{Path, PathBuf};

/// What a module without I/O or a clock must not name: sockets, files, processes, the environment, threads,
/// clocks, and the browser's APIs.
const FORBIDDEN: &[&str] = &[
    "std::net",
    "std::fs",
    "std::io",
    "std::env",
    "std::process",
    "std::thread",
    "std::time::Instant",
    "std::time::SystemTime",
    "SystemTime",
    "Instant::now",
    "UNIX_EPOCH",
    "tokio",
    "hyper",
    "tungstenite",
    "libc",
    "web_sys",
    "js_sys",
    "gloo",
    "wasm_bindgen",
    "Date::now",
    "println!",
    "eprintln!",
    "print!",
    "dbg!",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("source directory").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a Rust source file without its comments and the contents of its string and character literals
/// (a code generator's output is text, not a use of what it names).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b'r' && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) && !ident_before(b, i) {
            // A raw string: r"...", r#"..."#, with as many hashes as it opened with.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c as char);
                i += 1;
                continue;
            }
            j += 1;
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            i = j + close.len();
            out.push_str("\"\"");
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && is_char_literal(b, i) {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            // Copy one whole UTF-8 character.
            let len = match c {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            out.push_str(&src[i..(i + len).min(src.len())]);
            i += len;
        }
    }
    out
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `'x'` or `'\n'` rather than a lifetime (`'a`).
fn is_char_literal(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(b'\\') => true,
        Some(_) => {
            // One character (up to four bytes) then a closing quote.
            (2..=5).any(|k| b.get(i + k) == Some(&b'\''))
                && !b[i + 1..].iter().take(4).take_while(|&&x| x != b'\'').any(|x| x.is_ascii_whitespace())
        }
        None => false,
    }
}

fn violations(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut found = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("readable source");
        for (n, line) in code_only(&src).lines().enumerate() {
            for word in FORBIDDEN {
                if line.contains(word) {
                    found.push(format!("{}:{}: {word}", f.display(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn the_stripper_keeps_code_and_drops_text() {
    let src = "use std::fs; // std::net\nlet s = \"std::env\"; let r = r#\"tokio \"x\"\"#; let c = '\"'; fn f<'a>() {}\n/* SystemTime */ x";
    let code = code_only(src);
    assert!(code.contains("use std::fs;"));
    for gone in ["std::net", "std::env", "tokio", "SystemTime"] {
        assert!(!code.contains(gone), "{gone} is in a comment or a string: {code}");
    }
    assert!(code.contains("fn f<'a>() {}"), "a lifetime is code: {code}");
    assert!(code.ends_with(" x"), "{code}");
}

#[test]
fn the_engine_does_no_io_and_reads_no_clock() {
    let v = violations("engine");
    assert!(v.is_empty(), "the engine must get time and bytes as arguments:\n{}", v.join("\n"));
}

#[test]
fn the_server_core_does_no_io_and_reads_no_clock() {
    let v = violations("server");
    assert!(
        v.is_empty(),
        "the server core must get time and bytes as arguments (sockets live in `net`):\n{}",
        v.join("\n")
    );
}

#[test]
fn the_code_generators_are_pure() {
    let v = violations("codegen");
    assert!(v.is_empty(), "code generation is text from operations:\n{}", v.join("\n"));
}

#[test]
fn components_reach_the_store_only_through_the_playground_and_its_services() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app/components");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut found = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("readable source");
        for (n, line) in code_only(&src).lines().enumerate() {
            if line.contains(".backend") {
                found.push(format!("{}:{}", f.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "components that use the session's backend directly:\n{}", found.join("\n"));
}

/// What only the KV algorithm (`src/store/`) names: the writes a KV client makes, create's retry over a marker,
/// the consumer a watch's options choose, and compaction's threshold. Found anywhere else, the algorithm is being
/// written a second time.
const KV_RULES: &[&str] =
    &["KvWrite", "create_retry", "PURGE_DELETES_MARKER_THRESHOLD", "fn watch_consumer", "fn events("];

#[test]
fn the_kv_algorithm_exists_once() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    assert!(files.contains(&store.join("algorithm.rs")), "src/store/algorithm.rs holds the KV algorithm");
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&store)) {
        let src = std::fs::read_to_string(f).expect("readable source");
        for (n, line) in code_only(&src).lines().enumerate() {
            for word in KV_RULES {
                if line.contains(word) {
                    found.push(format!("{}:{}: {word}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "KV's client-side rules outside src/store/:\n{}", found.join("\n"));
    // The seam's implementations: the server's JetStream in process, the engine's read-only view (for the
    // visualizations: it writes nothing), and the wire client.
    let mut impls: Vec<String> = files
        .iter()
        .filter(|f| {
            let code = code_only(&std::fs::read_to_string(f).unwrap_or_default());
            code.lines().any(|l| l.starts_with("impl") && l.contains("JetStream for "))
        })
        .map(|f| f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(f).display().to_string())
        .collect();
    impls.sort();
    assert_eq!(impls, ["src/client/core.rs", "src/engine/kv/view.rs", "src/server/local.rs"]);
}

#[test]
fn every_source_file_opens_with_a_doc_line() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    // A file another one `include!`s (inside a module, where no inner doc may follow items) opens with a plain
    // `//` comment that says so instead.
    // The includer is a sibling (`include!("algorithm.rs")`) or the file beside the included file's folder
    // (`src/cli/exec.rs` includes `exec/command.rs`).
    let included = |f: &Path| {
        let file = f.file_name().unwrap_or_default().to_string_lossy().to_string();
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        let folder = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
        let sibling = format!("include!(\"{file}\")");
        let beside = format!("include!(\"{folder}/{file}\")");
        let mut candidates = Vec::new();
        rust_files(&dir, &mut candidates);
        candidates.push(dir.with_extension("rs"));
        candidates.iter().any(|s| {
            let text = std::fs::read_to_string(s).unwrap_or_default();
            text.contains(&sibling) || text.contains(&beside)
        })
    };
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !(text.starts_with("//!") || (text.starts_with("// ") && included(f)))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! first line:\n{}", missing.join("\n"));
}

/// Being connected is a choice of link (`app::link`): no component and no service reads the page's server side
/// to decide what to do. Only the link's owner (`Playground` in `app/mod.rs`), the connection itself
/// (`app/remote.rs`), and what shows the connection (the server bar, a workshop learner's banner) read it.
#[test]
fn only_the_link_knows_whether_the_page_is_connected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/app"), &mut files);
    let allowed = ["src/app/mod.rs", "src/app/remote.rs", "src/app/workshop.rs", "src/app/components/server_bar.rs"];
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap_or(f).display().to_string();
        if allowed.contains(&rel.as_str()) {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(f).unwrap_or_default());
        for (n, line) in code.lines().enumerate() {
            let reads_server = line.contains(".server.")
                || line.contains(".server {")
                || line.contains(".server)")
                || line.contains("&self.server")
                || line.contains("&mut self.server");
            if reads_server {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "code that branches on embedded or server outside the link:\n{}", found.join("\n"));
    // In `Playground`, the choice is made once, in `link`.
    let pg = code_only(&std::fs::read_to_string(root.join("src/app/mod.rs")).unwrap_or_default());
    let choices = pg.lines().filter(|l| l.contains("match self.server") || l.contains("self.server.is_")).count();
    assert_eq!(choices, 1, "Playground chooses its link in one place");
}

/// The app is a store and services: components render what the store and the link give them and change the
/// page only by dispatching the store's verbs. None changes the playground itself or calls the services that
/// run lines, steps, watchers, programs, the connection or the session tools.
#[test]
fn components_change_the_page_only_by_dispatching() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/app/components"), &mut files);
    let forbidden = [
        ".0.borrow_mut()",
        ".0.try_borrow_mut()",
        "lines::",
        "StepRunner",
        "steps::run",
        "steps::reset",
        "steps::start_run_all",
        "watchers::open",
        "watchers::stop",
        "watchers::news",
        "remote::connect",
        "remote::disconnect",
        "session_tools",
        "services::",
        "open_lesson(",
        "reset_server(",
        ".replay(",
        "python::run",
        "python::stop",
        "javascript::run",
        "javascript::stop",
        "javascript::clear",
    ];
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap_or(f).display().to_string();
        let code = code_only(&std::fs::read_to_string(f).unwrap_or_default());
        for (n, line) in code.lines().enumerate() {
            if let Some(w) = forbidden.iter().find(|w| line.contains(*w)) {
                found.push(format!("{rel}:{}: {w}", n + 1));
            }
        }
    }
    assert!(found.is_empty(), "components that change the page without dispatching:\n{}", found.join("\n"));
}

/// The store's `reduce` is pure: it reaches no service, no playground, no browser and no clock.
#[test]
fn the_stores_reduce_is_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = code_only(&std::fs::read_to_string(root.join("src/app/store.rs")).expect("the store"));
    let start = code.find("impl PageState {").expect("PageState's methods");
    let end = code.find("pub struct Dispatch").expect("the dispatcher");
    let reduce = &code[start..end];
    for w in ["borrow", "Shared", "services", "web_sys", "js_sys", "real_now", "gloo", "storage", "Playground"] {
        assert!(!reduce.contains(w), "the store's reduce names {w}");
    }
    assert!(reduce.contains("impl Reducible for PageState"), "the reducer is in the checked span");
}
