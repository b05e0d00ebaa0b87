//! Reading a lesson from Markdown: headings give the steps, fenced `shell` blocks holding `nats ...` lines give
//! the commands, and the fenced block after a command (or the non-command lines of its own block) is the output
//! the document expects. Any documentation page is a lesson as it stands.

/// A whole lesson.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lesson {
    pub title: String,
    pub steps: Vec<Step>,
}

/// One step: a heading and what follows it up to the next heading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    /// Heading depth (1 for `#`).
    pub level: usize,
    /// The step's content in document order, for display.
    pub blocks: Vec<Block>,
    /// The commands the step runs, in order.
    pub commands: Vec<Command>,
    /// Python code and the KV operations it performs (built-in lessons pair them), if any.
    pub python: Vec<PythonPart>,
    pub exercise: Option<Exercise>,
}

impl Step {
    /// True when the step has something to run or check.
    pub fn is_runnable(&self) -> bool {
        !self.commands.is_empty() || !self.python.is_empty() || self.exercise.is_some()
    }
}

/// A piece of a step as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph or list of prose (Markdown inline syntax kept as text).
    Text(String),
    /// A fenced code block with its info string.
    Code { lang: String, code: String },
    /// A command (index into `Step::commands`) with its expected output.
    Command(usize),
}

/// A line the step runs, with the output the document shows for it (if it shows any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub line: String,
    pub expected: Option<String>,
    /// The document showed this output as "may return": it describes one possible situation.
    pub tentative: bool,
}

/// Python code shown to the learner, the operations it performs, and the output it prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonPart {
    pub code: String,
    /// The `kv-ops` block: what the code does, in the runner's operation language.
    pub ops: String,
    /// The output the lesson shows for the program.
    pub expected: Option<String>,
}

/// A task for the learner with a check that says whether it was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    pub goal: String,
    pub checks: Vec<String>,
    pub hint: String,
}

fn is_command(line: &str) -> bool {
    let l = line.trim_start();
    use crate::session::Line;
    match Line::parse(l) {
        Line::Nats(_) | Line::Sleep(_) | Line::BadSleep(_) => true,
        // A command whose quotes do not close is still the author's command (run, it says what is wrong).
        Line::Unreadable(_) => l.starts_with("nats "),
        _ => false,
    }
}

/// A line that runs some other program (`python app.py`, `pip install ...`): not the output of a nats command.
fn is_other_shell_command(line: &str) -> bool {
    let l = line.trim_start();
    ["python ", "python3 ", "pip ", "pip3 ", "cd ", "export ", "./", "nats-server", "go run ", "node ", "npm "]
        .iter()
        .any(|p| l.starts_with(p))
}

fn is_shell(lang: &str) -> bool {
    matches!(lang, "shell" | "sh" | "bash" | "console" | "shell-session" | "zsh")
}

/// Parses a lesson. Never fails: anything unrecognised is kept as text.
pub fn parse(src: &str) -> Lesson {
    let src = src.replace("\r\n", "\n");
    let mut title = String::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut cur = Step { title: String::new(), level: 1, ..Step::default() };
    let mut para: Vec<String> = Vec::new();
    let mut lines = src.lines().peekable();
    // Whether the last command's output may still come in the next fenced block.
    let mut awaiting_output = false;
    let mut last_prose_mentions_may = false;

    fn flush_para(cur: &mut Step, para: &mut Vec<String>) {
        let text = para.join("\n").trim().to_string();
        if !text.is_empty() {
            cur.blocks.push(Block::Text(text));
        }
        para.clear();
    }

    while let Some(line) = lines.next() {
        let trimmed = line.trim_end();
        if let Some(fence) = fence_start(trimmed) {
            flush_para(&mut cur, &mut para);
            let lang = trimmed.trim_start()[fence.len()..].split_whitespace().next().unwrap_or("").to_ascii_lowercase();
            let mut body: Vec<&str> = Vec::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with(&fence)
                    && l.trim().chars().all(|c| c == fence.chars().next().unwrap_or('`'))
                {
                    break;
                }
                body.push(l);
            }
            let code = body.join("\n");
            let has_cmd = body.iter().any(|l| is_command(l));
            if lang == "kv-ops" {
                if let Some(p) = cur.python.last_mut() {
                    p.ops = code;
                }
                continue;
            }
            if lang == "exercise" {
                cur.exercise = Some(parse_exercise(&code));
                cur.blocks.push(Block::Code { lang, code });
                awaiting_output = false;
                continue;
            }
            if lang == "python" {
                cur.python.push(PythonPart { code: code.clone(), ops: String::new(), expected: None });
                cur.blocks.push(Block::Code { lang, code });
                awaiting_output = false;
                continue;
            }
            if (is_shell(&lang) || lang.is_empty()) && has_cmd {
                // Commands, each followed by the non-command lines under it (its shown output).
                let mut i = 0;
                while i < body.len() {
                    let l = body[i].trim();
                    if is_command(l) {
                        let mut out: Vec<&str> = Vec::new();
                        let mut j = i + 1;
                        while j < body.len() && !is_command(body[j]) && !is_other_shell_command(body[j]) {
                            // Shell comments annotate the script; they are not output.
                            if !body[j].trim_start().starts_with("# ") {
                                out.push(body[j]);
                            }
                            j += 1;
                        }
                        let out_text = out.join("\n");
                        let expected =
                            if out_text.trim().is_empty() { None } else { Some(out_text.trim_end().to_string()) };
                        cur.commands.push(Command { line: l.to_string(), expected, tentative: false });
                        cur.blocks.push(Block::Command(cur.commands.len() - 1));
                        i = j;
                    } else {
                        if !l.is_empty() && !l.starts_with('#') {
                            cur.blocks.push(Block::Code { lang: lang.clone(), code: body[i].to_string() });
                        }
                        i += 1;
                    }
                }
                awaiting_output = cur.commands.last().is_some_and(|c| c.expected.is_none());
                continue;
            }
            // A block without commands: the output of the command before it, if that one has none yet.
            if awaiting_output && !matches!(lang.as_str(), "python" | "javascript" | "js" | "json" | "yaml") {
                if let Some(c) = cur.commands.last_mut() {
                    c.expected = Some(code.trim_end().to_string());
                    c.tentative = last_prose_mentions_may;
                    awaiting_output = false;
                    continue;
                }
            }
            if lang == "output" {
                if let Some(p) = cur.python.last_mut() {
                    p.expected = Some(code.trim_end().to_string());
                }
            }
            cur.blocks.push(Block::Code { lang, code });
            continue;
        }
        if let Some((level, text)) = heading(trimmed) {
            flush_para(&mut cur, &mut para);
            if level == 1 && title.is_empty() {
                title = text.to_string();
                cur.title = text.to_string();
                cur.level = 1;
                continue;
            }
            if !cur.blocks.is_empty() || !cur.title.is_empty() && cur.is_runnable() {
                steps.push(std::mem::take(&mut cur));
            }
            cur = Step { title: text.to_string(), level, ..Step::default() };
            awaiting_output = false;
            continue;
        }
        if trimmed.trim().is_empty() {
            flush_para(&mut cur, &mut para);
        } else {
            para.push(trimmed.to_string());
            let lower = trimmed.to_ascii_lowercase();
            last_prose_mentions_may = lower.contains("may return") || lower.contains("might return");
        }
    }
    flush_para(&mut cur, &mut para);
    if !cur.blocks.is_empty() {
        steps.push(cur);
    }
    if title.is_empty() {
        title = steps.first().map(|s| s.title.clone()).unwrap_or_else(|| "Untitled lesson".to_string());
    }
    Lesson { title, steps }
}

pub(crate) fn fence_start(line: &str) -> Option<String> {
    let t = line.trim_start();
    for f in ["```", "~~~"] {
        if t.starts_with(f) {
            let n = t.chars().take_while(|c| *c == f.chars().next().unwrap_or('`')).count();
            return Some(f.chars().next().unwrap_or('`').to_string().repeat(n));
        }
    }
    None
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
        Some((hashes, line[hashes..].trim()))
    } else {
        None
    }
}

fn parse_exercise(code: &str) -> Exercise {
    let mut ex = Exercise { goal: String::new(), checks: Vec::new(), hint: String::new() };
    for l in code.lines() {
        if let Some(g) = l.strip_prefix("goal:") {
            ex.goal = g.trim().to_string();
        } else if let Some(c) = l.strip_prefix("check:") {
            ex.checks.push(c.trim().to_string());
        } else if let Some(h) = l.strip_prefix("hint:") {
            ex.hint = h.trim().to_string();
        }
    }
    ex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_commands_and_their_output() {
        let md = "# Title\n\nIntro.\n\n```shell\nnats account info\n```\n\n```\nsome output\n```\n\n## Put\n\n```shell\nnats kv put b k v\nnats kv create b k v\nnats: error: exists\n```\n\n## Prose only\n\nJust words.\n";
        let l = parse(md);
        assert_eq!(l.title, "Title");
        assert_eq!(l.steps.len(), 3);
        assert_eq!(l.steps[0].commands[0].line, "nats account info");
        assert_eq!(l.steps[0].commands[0].expected.as_deref(), Some("some output"));
        assert_eq!(l.steps[1].commands.len(), 2);
        assert_eq!(l.steps[1].commands[0].expected, None);
        assert_eq!(l.steps[1].commands[1].expected.as_deref(), Some("nats: error: exists"));
        assert!(!l.steps[2].is_runnable());
    }

    #[test]
    fn may_return_marks_output_as_one_possibility() {
        let l = parse("# T\n\n```shell\nnats account info\n```\nwhich may return\n\n```\nno JetStream\n```\n");
        assert!(l.steps[0].commands[0].tentative);
    }

    #[test]
    fn python_parts_pair_code_ops_and_output() {
        let md = "# T\n\n## S\n\n```python\nprint(1)\n```\n\n```kv-ops\nprint 1\n```\n\n```output\n1\n```\n";
        let l = parse(md);
        let p = &l.steps[0].python[0];
        assert_eq!((p.code.as_str(), p.ops.as_str(), p.expected.as_deref()), ("print(1)", "print 1", Some("1")));
        assert!(l.steps[0].blocks.iter().all(|b| !matches!(b, Block::Code { lang, .. } if lang == "kv-ops")));
    }

    #[test]
    fn a_javascript_block_after_a_command_is_code_not_its_output() {
        let md = "# T\n\n## S\n\n```shell\nnats kv add b\n```\n\n```javascript\nconsole.log(1);\n```\n\n```js\nconsole.log(2);\n```\n";
        let s = &parse(md).steps[0];
        assert_eq!(s.commands[0].expected, None);
        let code: Vec<(&str, &str)> = s
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Code { lang, code } => Some((lang.as_str(), code.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(code, [("javascript", "console.log(1);"), ("js", "console.log(2);")]);
    }

    #[test]
    fn exercises_have_a_goal_checks_and_a_hint() {
        let l = parse("# T\n\n## Do it\n\n```exercise\ngoal: make a bucket\ncheck: bucket inv history 5\nhint: nats kv add inv --history 5\n```\n");
        let ex = l.steps[0].exercise.as_ref().unwrap();
        assert_eq!(ex.goal, "make a bucket");
        assert_eq!(ex.checks, vec!["bucket inv history 5"]);
    }
}
