//! Exercise checks as an author writes them, validated before any learner meets them: the grammar the runner
//! evaluates (`runner::check`), and that every bucket and key a check names is one the lesson creates (in its
//! commands, its Python steps' operations, or an exercise's hint). A broken check is the author's error, with
//! its line. Pure.

use std::collections::BTreeSet;

use super::markdown::{fence_start, parse};
use crate::cli::parse::{parse_cli_duration, split_words};
use crate::engine::kv::{bucket_valid, key_valid};

/// One thing wrong with an exercise block, at a line of the lesson's source (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckProblem {
    pub line: usize,
    pub message: String,
}

/// The forms a check takes, for messages.
pub const FORMS: &str = "bucket B exists | bucket B missing | bucket B history N | bucket B ttl DURATION | \
key B K = VALUE | key B K deleted | key B K revisions N";

/// The buckets a lesson creates and the keys it writes (bucket, key), wherever it does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Created {
    pub buckets: BTreeSet<String>,
    pub keys: BTreeSet<(String, String)>,
}

impl Created {
    /// What a lesson's commands, Python operations and exercise hints create.
    pub fn of(src: &str) -> Created {
        Created::of_lesson(&parse(src))
    }

    /// The same, from a lesson already read.
    pub fn of_lesson(lesson: &super::Lesson) -> Created {
        let mut c = Created::default();
        for step in &lesson.steps {
            for cmd in &step.commands {
                c.command(&cmd.line);
            }
            if let Some(ex) = &step.exercise {
                for line in ex.hint.split(" && ") {
                    c.command(line.trim());
                }
            }
            for p in &step.python {
                for l in p.ops.lines() {
                    let w = split_words(l.trim()).unwrap_or_default();
                    match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                        ["add", b, ..] => {
                            c.buckets.insert(b.to_string());
                        }
                        ["let", _, "=", "put" | "create" | "update", b, k, ..] => {
                            c.keys.insert((b.to_string(), k.to_string()));
                        }
                        _ => {}
                    }
                }
            }
        }
        c
    }

    fn command(&mut self, line: &str) {
        let w = split_words(line).unwrap_or_default();
        let positional: Vec<&str> = w.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
        match positional.as_slice() {
            ["nats", "kv", "add", b, ..] => {
                self.buckets.insert(b.to_string());
            }
            ["nats", "kv", "put" | "create" | "update", b, k, ..] => {
                self.keys.insert((b.to_string(), k.to_string()));
            }
            _ => {}
        }
    }
}

/// The first broken check of a step's exercise, in words for the author (`None`: sound, or no exercise).
pub fn broken_check(step: &super::Step, created: &Created) -> Option<String> {
    let ex = step.exercise.as_ref()?;
    ex.checks.iter().find_map(|c| check_problem(c, created).map(|p| format!("check `{c}`: {p}")))
}

/// What is wrong with one check (`check:`'s text), given what the lesson creates; `None` when it is sound.
pub fn check_problem(check: &str, created: &Created) -> Option<String> {
    let w = match split_words(check) {
        Ok(w) => w,
        Err(e) => return Some(format!("the check cannot be read: {e}")),
    };
    let words: Vec<&str> = w.iter().map(String::as_str).collect();
    let bucket = |b: &str| -> Option<String> {
        if !bucket_valid(b) {
            return Some(format!("{b:?} is not a valid bucket name"));
        }
        if !created.buckets.contains(b) {
            let known: Vec<&str> = created.buckets.iter().map(String::as_str).collect();
            return Some(if known.is_empty() {
                format!("the lesson never creates the bucket {b} (it creates none)")
            } else {
                format!("the lesson never creates the bucket {b} (it creates {})", known.join(", "))
            });
        }
        None
    };
    let key = |b: &str, k: &str| -> Option<String> {
        if let Some(p) = bucket(b) {
            return Some(p);
        }
        if !key_valid(k) {
            return Some(format!("{k:?} is not a valid key"));
        }
        if !created.keys.contains(&(b.to_string(), k.to_string())) {
            return Some(format!("the lesson never writes the key {k} in the bucket {b}"));
        }
        None
    };
    let count = |n: &str, what: &str, max: u64| -> Option<String> {
        match n.parse::<u64>() {
            Ok(v) if (1..=max).contains(&v) => None,
            _ => Some(format!("{what} must be a number from 1 to {max}, not {n:?}")),
        }
    };
    match words.as_slice() {
        [] => Some(format!("an empty check: write one of {FORMS}")),
        ["bucket", b, "exists" | "missing"] => bucket(b),
        ["bucket", b, "history", n] => bucket(b).or_else(|| count(n, "a bucket's history", 64)),
        ["bucket", b, "ttl", d] => bucket(b).or_else(|| match parse_cli_duration(d) {
            Some(_) => None,
            None => Some(format!("{d:?} is not a duration (like 30s, 5m, 1h)")),
        }),
        ["key", b, k, "=", _] => key(b, k),
        ["key", b, k, "deleted"] => key(b, k),
        ["key", b, k, "revisions", n] => key(b, k).or_else(|| count(n, "a number of revisions", u64::MAX)),
        ["key", _, _, "=", _, _, ..] => Some("a value with spaces needs quotes: key B K = \"two words\"".into()),
        _ => Some(format!("unknown check {check:?}: write one of {FORMS}")),
    }
}

/// Every problem with the lesson's exercise blocks, in source order: broken checks (grammar, and buckets or keys
/// the lesson never creates), lines the runner does not read, and exercises without a check.
pub fn validate_checks(src: &str) -> Vec<CheckProblem> {
    let src = src.replace("\r\n", "\n");
    let created = Created::of(&src);
    let mut problems = Vec::new();
    let mut lines = src.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let Some(fence) = fence_start(line.trim_end()) else { continue };
        let lang = line.trim_start()[fence.len()..].split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        let mut checks = 0;
        for (j, l) in lines.by_ref() {
            if l.trim_start().starts_with(&fence) && l.trim().chars().all(|c| fence.starts_with(c)) {
                break;
            }
            if lang != "exercise" {
                continue;
            }
            let problem = |message: String| CheckProblem { line: j + 1, message };
            if let Some(c) = l.strip_prefix("check:") {
                checks += 1;
                if let Some(m) = check_problem(c.trim(), &created) {
                    problems.push(problem(m));
                }
            } else if l.starts_with("goal:") || l.starts_with("hint:") || l.trim().is_empty() {
            } else if ["check:", "goal:", "hint:"].iter().any(|p| l.trim_start().starts_with(p)) {
                problems.push(problem(
                    "an indented line: the runner reads goal:, check: and hint: only at the start of a line".into(),
                ));
            } else {
                problems.push(problem(format!(
                    "a line the runner does not read: {:?} (an exercise has goal:, check: and hint: lines)",
                    l.trim()
                )));
            }
        }
        if lang == "exercise" && checks == 0 {
            problems.push(CheckProblem {
                line: i + 1,
                message: "an exercise without a check: it can never be done".into(),
            });
        }
    }
    problems.sort_by_key(|p| p.line);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = "# T\n\n## Make\n\n```shell\nnats kv add shop\nnats kv put shop pears 3\n```\n\n## Do\n\n```exercise\ngoal: g\ncheck: bucket inventory history 3\ncheck: key inventory apples = 12\ncheck: key shop pears revisions 1\nhint: nats kv add inventory --history 3 && nats kv put inventory apples 12\n```\n";

    #[test]
    fn a_sound_lesson_has_no_problems() {
        assert_eq!(validate_checks(LESSON), vec![]);
        assert_eq!(validate_checks(crate::lesson::BUILT_IN[0].1), vec![]);
    }

    #[test]
    fn each_broken_check_is_reported_at_its_line() {
        let bad = LESSON
            .replace("bucket inventory history 3", "bucket inventroy history 3")
            .replace("key shop pears revisions 1", "key shop pear revisions one")
            .replace("hint:", "chek: bucket shop exists\nhint:");
        let p = validate_checks(&bad);
        assert_eq!(p.iter().map(|p| p.line).collect::<Vec<_>>(), [14, 16, 17], "{p:?}");
        assert!(p[0].message.contains("never creates the bucket inventroy (it creates inventory, shop)"), "{p:?}");
        assert!(p[1].message.contains("never writes the key pear in the bucket shop"), "{p:?}");
        assert!(p[2].message.contains("does not read"), "{p:?}");
    }

    #[test]
    fn grammar_mistakes_are_named() {
        let c = Created::of(LESSON);
        assert!(check_problem("bucket shop histroy 3", &c).unwrap().starts_with("unknown check"));
        assert!(check_problem("bucket shop history 0", &c).unwrap().contains("from 1 to 64"));
        assert!(check_problem("bucket shop ttl soon", &c).unwrap().contains("not a duration"));
        assert!(check_problem("key shop pears = two words", &c).unwrap().contains("needs quotes"));
        assert!(check_problem("key shop pears = \"two words\"", &c).is_none());
        assert!(check_problem("key shop 'pears", &c).unwrap().contains("cannot be read"));
        let none = validate_checks("# T\n\n## S\n\n```exercise\ngoal: g\n  check: bucket x exists\n```\n");
        assert_eq!(none.len(), 2, "{none:?}");
        assert!(none[0].message.contains("without a check") && none[1].message.contains("indented"), "{none:?}");
    }
}
