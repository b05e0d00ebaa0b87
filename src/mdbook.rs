//! The mdBook preprocessor's work (the `mdbook-kvplay` binary is its I/O): fenced `nats`, `python` and
//! `javascript` blocks marked `playground` become `<nats-kv-playground>` elements, and each `nats` block is
//! checked with the lesson runner on a fresh engine, as a reader's Run starts, before the book is written.
//!
//! ````markdown
//! ```nats playground timeline
//! nats kv add demo --history 5
//! nats kv put demo greeting hello
//! nats kv get demo greeting --raw
//! hello
//! ```
//! ````
//!
//! A `nats` block's lines that are not commands are the output the document expects of the command above them
//! (as in a lesson); the embed shows the commands only. Python and JavaScript blocks are embedded as written and,
//! when the book names their interpreters ([`Runners`]: book.toml's `python`, `node` and `node-modules`, or
//! `KVPLAY_PYTHON`, `KVPLAY_NODE` and `KVPLAY_NODE_MODULES`), each runs at build time against a fresh
//! `kvplay serve` in the preprocessor's process, as a reader's Run starts on a fresh server: a program that
//! raises or exits with an error fails the build with its chapter, line and output.

use serde_json::Value;

use crate::engine::Nanos;
use crate::lesson::runner::{run_all, VirtualClock};
use crate::session::Session;

/// The time a block's check starts at (the runner compares times after normalising them).
const T0: Nanos = 1_767_225_600_000_000_000;

/// A playground block found in a chapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// `nats`, `python` or `javascript`.
    pub lang: String,
    pub body: String,
    /// The info string's other words (`timeline`, `theme=dark`).
    pub flags: Vec<String>,
    /// The block's first line in the chapter, counted from 1.
    pub line: usize,
}

/// Escapes text for an HTML attribute value on one line (so the element stays one Markdown HTML block).
fn attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;").replace('\n', "&#10;")
}

/// The language a fence's info string marks for the playground, and its other words.
fn marked(info: &str) -> Option<(String, Vec<String>)> {
    let words: Vec<&str> = info.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    let lang = match *words.first()? {
        "nats" => "nats",
        "python" | "py" => "python",
        "javascript" | "js" => "javascript",
        _ => return None,
    };
    if !words.contains(&"playground") {
        return None;
    }
    let flags = words[1..].iter().filter(|w| **w != "playground").map(|w| w.to_string()).collect();
    Some((lang.to_string(), flags))
}

/// The chapter with its playground blocks replaced by elements (and the element's script once, before the
/// first), and the blocks found.
pub fn rewrite(markdown: &str, playground: &str) -> (String, Vec<Block>) {
    let mut out = String::new();
    let mut blocks = Vec::new();
    let mut lines = markdown.split_inclusive('\n').enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        let fence: String = trimmed.chars().take_while(|c| *c == '`' || *c == '~').collect();
        let opening = fence.len() >= 3 && fence.chars().all(|c| c == fence.chars().next().unwrap_or('`'));
        let Some((lang, flags)) = opening.then(|| marked(&trimmed[fence.len()..])).flatten() else {
            out.push_str(line);
            continue;
        };
        let mut body = String::new();
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with(&fence) && l.trim().chars().all(|c| c == '`' || c == '~') {
                break;
            }
            body.push_str(l);
        }
        if blocks.is_empty() {
            out.push_str(&format!(
                "<script src=\"{}/nats-kv-playground.js\"></script>\n\n",
                attr(playground.trim_end_matches('/'))
            ));
        }
        out.push_str(&element(&lang, &body, &flags));
        out.push('\n');
        blocks.push(Block { lang, body, flags, line: n + 1 });
    }
    (out, blocks)
}

/// The element for a block, on one line.
fn element(lang: &str, body: &str, flags: &[String]) -> String {
    let mut attrs = String::new();
    if lang == "nats" {
        let commands: Vec<&str> = body
            .lines()
            .map(|l| l.trim().strip_prefix("$ ").unwrap_or(l.trim()))
            .filter(|l| crate::session::Line::recorded(l))
            .collect();
        attrs.push_str(&format!(" commands=\"{}\"", attr(&commands.join("\n"))));
    } else {
        attrs.push_str(&format!(" language=\"{lang}\" code=\"{}\"", attr(body)));
    }
    for f in flags {
        match f.split_once('=') {
            Some((k @ ("theme" | "height"), v)) => attrs.push_str(&format!(" {k}=\"{}\"", attr(v))),
            None if f == "timeline" => attrs.push_str(" timeline"),
            _ => {}
        }
    }
    format!("<nats-kv-playground{attrs}></nats-kv-playground>\n")
}

/// What runs a book's programs at build time: Python (with nats-py) and Node.js (with the `@nats-io/*` packages
/// in `node_modules`). A language without one is embedded without running.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Runners {
    pub python: Option<String>,
    pub node: Option<(String, std::path::PathBuf)>,
}

impl Runners {
    /// From the preprocessor's table in book.toml, the environment winning (a CI sets its own interpreters).
    /// Relative paths are the book's (mdBook's `root`).
    pub fn from_config(context: &Value, env: impl Fn(&str) -> Option<String>) -> Runners {
        let conf = |k: &str| context.pointer(&format!("/config/preprocessor/kvplay/{k}")).and_then(Value::as_str);
        let root = std::path::PathBuf::from(context.get("root").and_then(Value::as_str).unwrap_or("."));
        let python = env("KVPLAY_PYTHON").or_else(|| conf("python").map(str::to_string));
        let node = env("KVPLAY_NODE").or_else(|| conf("node").map(str::to_string));
        let modules = env("KVPLAY_NODE_MODULES").or_else(|| conf("node-modules").map(str::to_string));
        Runners {
            python: python.filter(|p| !p.is_empty()),
            node: node.filter(|n| !n.is_empty()).zip(modules.map(|m| root.join(m))),
        }
    }

    /// What the build does not run, in a sentence for the author (None when everything runs).
    pub fn unchecked(&self, blocks: &[Block]) -> Option<String> {
        let py = self.python.is_none() && blocks.iter().any(|b| b.lang == "python");
        let js = self.node.is_none() && blocks.iter().any(|b| b.lang == "javascript");
        let what = match (py, js) {
            (true, true) => {
                "Python and JavaScript blocks were embedded without running (set python, node and node-modules"
            }
            (true, false) => "Python blocks were embedded without running (set python",
            (false, true) => "JavaScript blocks were embedded without running (set node and node-modules",
            (false, false) => return None,
        };
        Some(format!("mdbook-kvplay: {what} under [preprocessor.kvplay] to run them while the book builds)"))
    }
}

/// Checks a block: a `nats` block with the lesson runner on a fresh engine (its commands run, each matching the
/// output the block shows under it); a program with its runner, when there is one, against a fresh server. The
/// report when it fails.
pub fn check(block: &Block, runners: &Runners) -> Result<(), String> {
    match block.lang.as_str() {
        "python" => return runners.python.as_deref().map_or(Ok(()), |py| run_python(block, py)),
        "javascript" => return runners.node.as_ref().map_or(Ok(()), |(node, m)| run_javascript(block, node, m)),
        _ => {}
    }
    let doc = format!("# Block\n\n## Block\n\n```shell\n{}```\n", block.body);
    let mut session = Session::new(crate::server::Standalone::embedded(T0));
    let (report, failed) = run_all(crate::lesson::parse(&doc), &mut session, &mut VirtualClock(T0));
    if failed {
        Err(report)
    } else {
        Ok(())
    }
}

/// The preprocessor over mdBook's JSON (`[context, book]`): every chapter's content rewritten, every `nats`
/// block checked. The book to print, or what failed (with the chapter and line of each block).
pub fn preprocess(input: &Value) -> Result<Value, String> {
    let context = input.get(0).ok_or("mdbook gave no context")?;
    let mut book = input.get(1).cloned().ok_or("mdbook gave no book")?;
    let playground = context
        .pointer("/config/preprocessor/kvplay/playground")
        .and_then(Value::as_str)
        .ok_or("book.toml needs [preprocessor.kvplay] playground = \"https://WHERE-THE-PLAYGROUND-IS/\"")?
        .to_string();
    let runners = Runners::from_config(context, |k| std::env::var(k).ok());
    let mut failures = Vec::new();
    let mut blocks = Vec::new();
    walk(&mut book, &playground, &runners, &mut failures, &mut blocks);
    if let Some(note) = runners.unchecked(&blocks) {
        eprintln!("{note}");
    }
    if failures.is_empty() {
        Ok(book)
    } else {
        Err(failures.join("\n"))
    }
}

/// Rewrites every chapter found under `v` (mdBook's items and sub-items, whatever they are called).
fn walk(v: &mut Value, playground: &str, runners: &Runners, failures: &mut Vec<String>, seen: &mut Vec<Block>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(ch)) = map.get_mut("Chapter") {
                let name = ch.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                if let Some(Value::String(content)) = ch.get_mut("content") {
                    let (rewritten, blocks) = rewrite(content, playground);
                    for b in &blocks {
                        if let Err(report) = check(b, runners) {
                            failures.push(format!("chapter {name:?}, the block at line {}:\n{report}", b.line));
                        }
                    }
                    seen.extend(blocks);
                    *content = rewritten;
                }
            }
            for (_, child) in map.iter_mut() {
                walk(child, playground, runners, failures, seen);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk(i, playground, runners, failures, seen)),
        _ => {}
    }
}

/// A fresh server for one program, in this process: its client and WebSocket ports.
#[cfg(not(target_arch = "wasm32"))]
fn fresh_server() -> Result<crate::net::Running, String> {
    use crate::net;
    use crate::server::ServerOptions;
    net::start(net::ServeOptions {
        addr: "127.0.0.1".into(),
        port: 0,
        websocket_port: Some(0),
        http_port: None,
        server: ServerOptions::default(),
        js_limits: None,
        trace: false,
    })
    .map_err(|e| format!("could not start a server to run the block on: {e}"))
}

/// Runs a Python block with the lesson runner and CPython (its `nats.connect("nats://127.0.0.1:4222")` reaches
/// a fresh server here, its sleeps move that server's clock).
#[cfg(not(target_arch = "wasm32"))]
fn run_python(block: &Block, python: &str) -> Result<(), String> {
    use crate::client::native::RemoteKv;
    use crate::lesson::pyprocess::{PythonProcess, ServedClock};
    use crate::lesson::runner::run_all_with;
    let served = fresh_server()?;
    let url = format!("nats://127.0.0.1:{}", served.port);
    let result = (|| {
        let remote = RemoteKv::connect(&url).map_err(|e| e.message)?;
        let mut py = PythonProcess::start(python, &url, false)
            .map_err(|e| format!("could not start {python} (with nats-py) to run the block: {e}"))?;
        py.timeout_secs = 30.0;
        let doc = format!("# Block\n\n## Block\n\n```python\n{}```\n", block.body);
        let mut session = Session::new(remote);
        let mut clock = ServedClock { running: Some(&served), now: T0 };
        let (report, failed) = run_all_with(crate::lesson::parse(&doc), &mut session, &mut clock, Some(&mut py));
        if failed {
            Err(report)
        } else {
            Ok(())
        }
    })();
    served.stop();
    result
}

/// Runs a JavaScript block with Node.js: the program is written beside `node_modules` (so its `@nats-io/*`
/// imports resolve) with its `ws://127.0.0.1:8080` pointed at a fresh server's WebSocket port.
#[cfg(not(target_arch = "wasm32"))]
fn run_javascript(block: &Block, node: &str, modules: &std::path::Path) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let dir = modules.parent().filter(|_| modules.is_dir()).ok_or_else(|| {
        format!("node-modules is {}, which is not a directory (it should hold @nats-io/kv)", modules.display())
    })?;
    let served = fresh_server()?;
    let ws = format!("ws://127.0.0.1:{}", served.websocket_port);
    let code = ["ws://127.0.0.1:8080", "ws://localhost:8080"].iter().fold(block.body.clone(), |c, a| c.replace(a, &ws));
    let file = dir.join(format!(".kvplay-block-{}-{}.mjs", std::process::id(), block.line));
    let result = std::fs::write(&file, code)
        .map_err(|e| format!("could not write the block to {}: {e}", file.display()))
        .and_then(|_| {
            // Node.js 20 has a WebSocket (which nats.js's wsconnect needs) behind a flag; 22 and later by default.
            let major = Command::new(node).arg("--version").output().ok().and_then(|o| {
                String::from_utf8_lossy(&o.stdout).trim().trim_start_matches('v').split('.').next()?.parse::<u32>().ok()
            });
            let mut cmd = Command::new(node);
            if major.is_some_and(|m| m < 22) {
                cmd.arg("--experimental-websocket");
            }
            let mut child = cmd
                .arg(&file)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("could not start {node} to run the block: {e}"))?;
            // A program that never ends (a watch) is stopped after a while and reported.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while child.try_wait().map_err(|e| e.to_string())?.is_none() {
                if std::time::Instant::now() > deadline {
                    let _ = child.kill();
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            if out.status.success() {
                Ok(())
            } else {
                Err(format!("the program ended with {} after printing:\n{printed}", out.status))
            }
        });
    let _ = std::fs::remove_file(&file);
    served.stop();
    result
}

#[cfg(target_arch = "wasm32")]
fn run_python(_: &Block, _: &str) -> Result<(), String> {
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn run_javascript(_: &Block, _: &str, _: &std::path::Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAPTER: &str = "# Revisions\n\nText.\n\n```nats playground timeline\nnats kv add demo --history 5\nnats kv put demo greeting hello\nhello\n```\n\n```python playground\nprint(\"a < b\")\n\nprint(2)\n```\n\n```nats\nnats kv ls\n```\n";

    #[test]
    fn marked_blocks_become_elements_on_one_line_and_others_stay() {
        let (md, blocks) = rewrite(CHAPTER, "http://127.0.0.1:8088/");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].line, 5);
        assert!(
            md.starts_with(
                "# Revisions\n\nText.\n\n<script src=\"http://127.0.0.1:8088/nats-kv-playground.js\"></script>\n\n"
            ),
            "{md}"
        );
        assert!(md.contains("<nats-kv-playground commands=\"nats kv add demo --history 5&#10;nats kv put demo greeting hello\" timeline></nats-kv-playground>\n"), "{md}");
        assert!(md.contains("<nats-kv-playground language=\"python\" code=\"print(&quot;a &lt; b&quot;)&#10;&#10;print(2)&#10;\"></nats-kv-playground>\n"), "{md}");
        assert!(md.contains("```nats\nnats kv ls\n```\n"), "an unmarked block stays: {md}");
        assert_eq!(md.matches("<script").count(), 1);
    }

    #[test]
    fn a_block_is_checked_against_the_output_it_shows() {
        let (_, blocks) = rewrite(CHAPTER, "/");
        assert_eq!(check(&blocks[0], &Runners::default()), Ok(()));
        let wrong = Block {
            body: "nats kv add demo\nnats kv put demo k v1\nnats kv get demo k --raw\nv2\n".into(),
            ..blocks[0].clone()
        };
        let err = check(&wrong, &Runners::default()).unwrap_err();
        assert!(err.contains("FAIL"), "{err}");
    }

    /// The project's own Python (with nats-py) and the JavaScript client, as setup installs them.
    fn tools() -> Runners {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        Runners {
            python: Some(root.join(".tools/venv/bin/python").display().to_string()),
            node: Some(("node".into(), root.join(".tools/npm/node_modules"))),
        }
    }

    fn block(lang: &str, body: &str) -> Block {
        Block { lang: lang.into(), body: body.into(), flags: vec![], line: 7 }
    }

    #[test]
    fn programs_run_at_build_time_on_a_fresh_server_and_a_failing_one_fails() {
        let py = "import asyncio, nats\n\nasync def main():\n    nc = await nats.connect(\"nats://127.0.0.1:4222\")\n    kv = await nc.jetstream().create_key_value(bucket=\"demo\")\n    print(await kv.put(\"k\", b\"v\"))\n    await nc.close()\n\nasyncio.run(main())\n";
        assert_eq!(check(&block("python", py), &tools()), Ok(()));
        // The same program again: a fresh server each time, so the bucket is new again.
        assert_eq!(check(&block("python", py), &tools()), Ok(()));
        let bad = py.replace("create_key_value(bucket=\"demo\")", "key_value(\"missing\")");
        let err = check(&block("python", &bad), &tools()).unwrap_err();
        assert!(err.contains("BucketNotFound") || err.contains("NotFound"), "{err}");

        let js = "import { wsconnect } from \"@nats-io/nats-core\";\nimport { Kvm } from \"@nats-io/kv\";\nconst nc = await wsconnect({ servers: \"ws://127.0.0.1:8080\" });\nconst kv = await new Kvm(nc).create(\"demo\");\nconsole.log(await kv.put(\"k\", \"v\"));\nawait nc.close();\n";
        assert_eq!(check(&block("javascript", js), &tools()), Ok(()));
        let bad = js.replace(
            "new Kvm(nc).create(\"demo\")",
            "new Kvm(nc).open(\"missing\").then(async (kv) => { await kv.status(); return kv; })",
        );
        let err = check(&block("javascript", &bad), &tools()).unwrap_err();
        assert!(err.contains("ended with"), "{err}");
    }

    #[test]
    fn runners_come_from_book_toml_or_the_environment_and_say_what_did_not_run() {
        let ctx = serde_json::json!({ "root": "/book", "config": { "preprocessor": { "kvplay": {
            "python": "python3", "node": "node", "node-modules": "tools/node_modules" } } } });
        let r = Runners::from_config(&ctx, |_| None);
        assert_eq!(r.python.as_deref(), Some("python3"));
        assert_eq!(r.node, Some(("node".into(), std::path::PathBuf::from("/book/tools/node_modules"))));
        let r = Runners::from_config(&ctx, |k| (k == "KVPLAY_PYTHON").then(|| "/venv/python".to_string()));
        assert_eq!(r.python.as_deref(), Some("/venv/python"));
        let none = Runners::from_config(&serde_json::json!({}), |_| None);
        assert_eq!(none, Runners::default());
        let note = none.unchecked(&[block("python", "print(1)\n")]).unwrap();
        assert!(note.contains("Python blocks were embedded without running"), "{note}");
        assert_eq!(none.unchecked(&[block("nats", "nats kv ls\n")]), None);
    }

    #[test]
    fn the_book_json_is_rewritten_chapter_by_chapter() {
        let input = serde_json::json!([
            { "config": { "preprocessor": { "kvplay": { "playground": "http://p/" } } } },
            { "items": [ { "Chapter": { "name": "One", "content": CHAPTER, "sub_items": [
                { "Chapter": { "name": "Two", "content": "```js playground\nconsole.log(1)\n```\n", "sub_items": [] } } ] } } ] }
        ]);
        let book = preprocess(&input).unwrap();
        let one = book.pointer("/items/0/Chapter/content").and_then(Value::as_str).unwrap();
        let two = book.pointer("/items/0/Chapter/sub_items/0/Chapter/content").and_then(Value::as_str).unwrap();
        assert!(one.contains("<nats-kv-playground commands="), "{one}");
        assert!(two.contains("<nats-kv-playground language=\"javascript\" code=\"console.log(1)&#10;\">"), "{two}");
        let bad = serde_json::json!([
            { "config": { "preprocessor": { "kvplay": { "playground": "http://p/" } } } },
            { "items": [ { "Chapter": { "name": "Bad", "content": "```nats playground\nnats kv get nothing k --raw\nv\n```\n" } } ] }
        ]);
        let err = preprocess(&bad).unwrap_err();
        assert!(err.starts_with("chapter \"Bad\", the block at line 1:"), "{err}");
    }
}
