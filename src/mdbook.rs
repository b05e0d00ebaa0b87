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
//! (as in a lesson); the embed shows the commands only. Python and JavaScript blocks are embedded as written;
//! they are not run at build time (that needs their interpreters and clients).

use serde_json::Value;

use crate::engine::{Engine, Nanos};
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
            .filter(|l| l.starts_with("nats ") || l.starts_with("sleep "))
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

/// Checks a `nats` block with the lesson runner on a fresh engine: its commands run, each matching the output
/// the block shows under it. The runner's report when it fails.
pub fn check(block: &Block) -> Result<(), String> {
    if block.lang != "nats" {
        return Ok(());
    }
    let doc = format!("# Block\n\n## Block\n\n```shell\n{}```\n", block.body);
    let mut session = Session::new(Engine::new(T0));
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
    let mut failures = Vec::new();
    walk(&mut book, &playground, &mut failures);
    if failures.is_empty() {
        Ok(book)
    } else {
        Err(failures.join("\n"))
    }
}

/// Rewrites every chapter found under `v` (mdBook's items and sub-items, whatever they are called).
fn walk(v: &mut Value, playground: &str, failures: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(ch)) = map.get_mut("Chapter") {
                let name = ch.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                if let Some(Value::String(content)) = ch.get_mut("content") {
                    let (rewritten, blocks) = rewrite(content, playground);
                    for b in &blocks {
                        if let Err(report) = check(b) {
                            failures.push(format!("chapter {name:?}, the block at line {}:\n{report}", b.line));
                        }
                    }
                    *content = rewritten;
                }
            }
            for (_, child) in map.iter_mut() {
                walk(child, playground, failures);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk(i, playground, failures)),
        _ => {}
    }
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
        assert_eq!(check(&blocks[0]), Ok(()));
        let wrong = Block {
            body: "nats kv add demo\nnats kv put demo k v1\nnats kv get demo k --raw\nv2\n".into(),
            ..blocks[0].clone()
        };
        let err = check(&wrong).unwrap_err();
        assert!(err.contains("FAIL"), "{err}");
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
