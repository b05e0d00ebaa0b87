//! A Python program's run judged against its document: it passes when it ends without an exception and prints
//! what the document shows (where it shows anything). Where the document's own code fails on a real server too,
//! the failure is explained in plain words and a corrected line is offered. Pure: the page (Pyodide) and
//! `kvplay lesson` (CPython) judge with the same rules.

use super::compare::{compare, Verdict};

/// How a program's run compares with its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PyVerdict {
    /// Ended without an exception and printed what the document shows.
    Pass,
    /// Ended without an exception, but these lines the document shows were not printed.
    Differs { missing: Vec<String> },
    /// Ended with an exception: its last line (`TypeError: ...`) and, when the document's code is known to fail
    /// this way, the correction.
    Raised { error: String, fix: Option<Fix> },
}

/// A corrected line for a cell: line `line` (1-based) of the code that ran reads `from`; `to` works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub line: usize,
    pub from: String,
    pub to: String,
    /// Why the line fails, in plain words.
    pub why: String,
}

/// Judges a finished run: what it printed and the traceback it ended with, if any.
pub fn judge(expected: Option<&str>, printed: &str, traceback: Option<&str>, code: &str, filename: &str) -> PyVerdict {
    if let Some(tb) = traceback.filter(|t| !t.trim().is_empty()) {
        let error = tb.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string();
        return PyVerdict::Raised { fix: fix_for(tb, code, filename), error };
    }
    match expected {
        Some(e) => match compare(e, printed) {
            Verdict::Pass => PyVerdict::Pass,
            Verdict::Drift(_) => PyVerdict::Pass,
            Verdict::Fail { missing } => PyVerdict::Differs { missing },
        },
        None => PyVerdict::Pass,
    }
}

/// The line of the cell's own code where the exception was raised (its innermost frame in `filename`).
fn failing_line(traceback: &str, filename: &str) -> Option<usize> {
    let marker = format!("File \"{filename}\", line ");
    traceback.lines().rev().find_map(|l| l.trim().strip_prefix(&marker)?.split(',').next()?.trim().parse().ok())
}

/// The correction for a failure the document's code has on a real server too (nats-py 2.16 against
/// nats-server), if the failure is one of those.
pub fn fix_for(traceback: &str, code: &str, filename: &str) -> Option<Fix> {
    let error = traceback.lines().rev().find(|l| !l.trim().is_empty())?.trim();
    let line = failing_line(traceback, filename)?;
    let from = code.lines().nth(line.checked_sub(1)?)?.to_string();
    if error.starts_with("TypeError: 'async for' requires an object with __aiter__ method")
        && error.ends_with("got list")
    {
        // `async for entry in await kv.history(key):` iterates a list: a plain `for` does.
        let at = from.find("async for ")?;
        let to = format!("{}{}", &from[..at], &from[at + "async ".len()..]);
        return Some(Fix {
            line,
            from,
            to,
            why: "nats-py's `history()` returns a list of entries once the server has sent them all; it is not an async iterator, so `async for` cannot walk it (CPython raises this TypeError against nats-server too). Use a plain `for` over the awaited list.".into(),
        });
    }
    if let Some(rest) = error.strip_prefix("AttributeError: 'KeyValue' object has no attribute 'bucket'") {
        if !rest.trim().is_empty() && !rest.trim_start().starts_with('.') {
            return None;
        }
        // `kv.bucket`: the bucket's name is in the status the server reports.
        let at = from.find(".bucket")?;
        let start = from[..at].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
        let handle = &from[start..at];
        if handle.is_empty() {
            return None;
        }
        let to = format!("{}(await {handle}.status()).bucket{}", &from[..start], &from[at + ".bucket".len()..]);
        return Some(Fix {
            line,
            from,
            to,
            why: "nats-py's `KeyValue` has no `bucket` attribute (CPython raises this AttributeError against nats-server too): the bucket's name is in the status the server reports, `(await kv.status()).bucket`.".into(),
        });
    }
    None
}

/// The code with the fix applied: the fixed line where it still stands, or the first line that reads the same.
pub fn apply(code: &str, fix: &Fix) -> Option<String> {
    let mut lines: Vec<&str> = code.split('\n').collect();
    let at = match lines.get(fix.line.checked_sub(1)?) {
        Some(l) if *l == fix.from => fix.line - 1,
        _ => lines.iter().position(|l| *l == fix.from)?,
    };
    lines[at] = &fix.to;
    Some(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HISTORY: &str = "import asyncio\nasync def main():\n    history = []\n    async for entry in await kv.history(\"app.timeout\"):\n        history.append(entry)\n";

    #[test]
    fn async_for_over_history_gets_a_plain_for() {
        let tb = "Traceback (most recent call last):\n  File \"<step 3>\", line 45, in <module>\n    asyncio.run(main())\n  File \"<step 3>\", line 4, in main\n    async for entry in await kv.history(\"app.timeout\"):\nTypeError: 'async for' requires an object with __aiter__ method, got list\n";
        let fix = fix_for(tb, HISTORY, "<step 3>").expect("a fix");
        assert_eq!(fix.line, 4);
        assert_eq!(fix.to, "    for entry in await kv.history(\"app.timeout\"):");
        let fixed = apply(HISTORY, &fix).expect("applies");
        assert!(fixed.contains("\n    for entry in await kv.history") && !fixed.contains("async for"));
        // The fix finds its line even after lines were added above it.
        let moved = format!("# a comment\n{HISTORY}");
        assert_eq!(apply(&moved, &fix).map(|c| c.contains("async for")), Some(false));
        assert_eq!(apply("nothing here", &fix), None);
    }

    #[test]
    fn kv_bucket_gets_the_status_bucket() {
        let code = "async def main():\n    print(f\"✓ Created KV bucket: {kv.bucket}\")\n";
        let tb = "Traceback (most recent call last):\n  File \"<step 2>\", line 2, in main\n    print(f\"✓ Created KV bucket: {kv.bucket}\")\n                                  ^^^^^^^^^\nAttributeError: 'KeyValue' object has no attribute 'bucket'\n";
        let fix = fix_for(tb, code, "<step 2>").expect("a fix");
        assert_eq!(fix.to, "    print(f\"✓ Created KV bucket: {(await kv.status()).bucket}\")");
        match judge(None, "Creating KV bucket...\n", Some(tb), code, "<step 2>") {
            PyVerdict::Raised { error, fix: Some(_) } => {
                assert_eq!(error, "AttributeError: 'KeyValue' object has no attribute 'bucket'")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_failures_get_no_fix_and_output_is_compared() {
        let tb = "Traceback (most recent call last):\n  File \"<step 1>\", line 1, in <module>\nZeroDivisionError: division by zero\n";
        assert_eq!(fix_for(tb, "1/0", "<step 1>"), None);
        assert_eq!(fix_for("", "", "<step 1>"), None);
        assert_eq!(fix_for(tb, "", "<step 1>"), None);
        assert_eq!(judge(Some("a\nb"), "a\nb\n", None, "", "x"), PyVerdict::Pass);
        assert_eq!(judge(None, "anything", None, "", "x"), PyVerdict::Pass);
        assert_eq!(judge(Some("a\nb"), "a\n", None, "", "x"), PyVerdict::Differs { missing: vec!["b".into()] });
    }
}
