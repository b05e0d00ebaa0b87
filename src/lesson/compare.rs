//! Comparing the output a document shows with the output a command gave: normalising what legitimately varies
//! (times, connection details), recognising output of older CLIs and servers and saying why it differs, and
//! otherwise reporting the lines that do not match.

/// How a command's output compared with the document's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Verdict {
    Pass,
    /// Different, for reasons the runner can explain in plain words.
    Drift(Vec<String>),
    /// Different, and not explained: these expected lines were not found.
    Fail {
        missing: Vec<String>,
    },
}

pub const WHY_GET: &str = "Older versions of the nats CLI printed `get` as \"bucket > key created @ date\"; today's CLI also prints the revision and writes the time as numbers.";
pub const WHY_DEL: &str = "Older versions of the nats CLI called a delete marker DEL; today's CLI prints DELETE.";
pub const WHY_ERR: &str = "Older clients printed only the server's message; today's Go client also prints the API error's code (400) and JetStream error code (10071, wrong last sequence).";
pub const WHY_REV: &str = "Revision numbers depend on everything the bucket has stored before. The document's numbers come from its author's bucket; the numbers here follow from the steps you ran.";
pub const WHY_REPORT: &str =
    "This report comes from an older nats CLI, which laid it out differently. The facts the two reports share agree.";
pub const WHY_NO_JS: &str = "The document shows what a server started without JetStream answers. The playground's server has JetStream enabled, so it shows the account's JetStream usage instead.";

/// Replaces the parts of a line that differ between any two runs: times and connection details.
pub fn normalize_line(line: &str) -> String {
    let line = strip_ansi(&line.replace("Âµ", "µ"));
    let line = line.trim_end();
    for label in [
        "Client ID",
        "Client IP",
        "RTT",
        "Connected URL",
        "Connected Address",
        "Connected Server ID",
        "Connected Server Version",
        "Connected Server Name",
        "Leader",
        "User",
        "Account",
    ] {
        let t = line.trim_start();
        if t.starts_with(label) && t[label.len()..].starts_with(':') {
            return format!("{label}: <conn>");
        }
    }
    replace_times(line)
}

/// Drops ANSI escapes (a colour terminal's `watch` output), keeping the text.
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for p in chars.by_ref() {
                if p.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Replaces "2021-10-12 13:15:03" and "12 Oct 21 20:08 UTC" by "<time>".
fn replace_times(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let is_d = |j: usize| b.get(j).is_some_and(|c| c.is_ascii_digit());
    while i < b.len() {
        // YYYY-MM-DD HH:MM:SS
        if i + 19 <= b.len()
            && (0..4).all(|k| is_d(i + k))
            && b[i + 4] == b'-'
            && is_d(i + 5)
            && is_d(i + 6)
            && b[i + 7] == b'-'
            && is_d(i + 8)
            && is_d(i + 9)
            && b[i + 10] == b' '
            && is_d(i + 11)
            && is_d(i + 12)
            && b[i + 13] == b':'
            && is_d(i + 14)
            && is_d(i + 15)
            && b[i + 16] == b':'
            && is_d(i + 17)
            && is_d(i + 18)
        {
            out.push_str("<time>");
            i += 19;
            continue;
        }
        // D[D] Mon YY HH:MM UTC
        if is_d(i) && (i == 0 || !is_d(i - 1)) {
            let rest = &line[i..];
            let parts: Vec<&str> = rest.splitn(6, ' ').collect();
            if parts.len() >= 5
                && parts[0].len() <= 2
                && parts[0].bytes().all(|c| c.is_ascii_digit())
                && parts[1].len() == 3
                && parts[1].bytes().all(|c| c.is_ascii_alphabetic())
                && parts[2].len() == 2
                && parts[3].len() == 5
                && parts[3].as_bytes()[2] == b':'
                && parts[4].starts_with("UTC")
            {
                let consumed = parts[..4].iter().map(|p| p.len() + 1).sum::<usize>() + 3;
                out.push_str("<time>");
                i += consumed;
                continue;
            }
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn lines_of(s: &str) -> Vec<String> {
    s.lines().map(normalize_line).filter(|l| !l.trim().is_empty()).collect()
}

/// `expected` matches `actual` when equal, or when `expected` has `<rev>` where `actual` has a number.
fn line_matches(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let Some(pos) = expected.find("<rev>") else { return false };
    let (pre, post) = (&expected[..pos], &expected[pos + 5..]);
    if !actual.starts_with(pre) {
        return false;
    }
    let rest = &actual[pre.len()..];
    let digits = rest.bytes().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && line_matches(post, &rest[digits..])
}

/// Every expected line must appear, in order, among the actual lines (documents often show part of an output).
fn missing_lines(expected: &[String], actual: &[String]) -> Vec<String> {
    let mut missing = Vec::new();
    let mut j = 0;
    for e in expected {
        match actual[j..].iter().position(|a| line_matches(e, a)) {
            Some(k) => j += k + 1,
            None => missing.push(e.clone()),
        }
    }
    missing
}

/// Rewrites output of older CLIs into today's form, noting why each rewrite was needed.
fn modernize(line: &str, why: &mut Vec<&'static str>) -> String {
    let mut l = line.to_string();
    // "b > k created @ <time>" became "b > k revision: N created @ <time>".
    if let Some(p) = l.find(" created @ ") {
        if l[..p].contains(" > ") && !l[..p].contains("revision:") {
            l = format!("{} revision: <rev>{}", &l[..p], &l[p..]);
            why.push(WHY_GET);
        }
    }
    if l.starts_with("[<time>] DEL ") {
        l = l.replacen("] DEL ", "] DELETE ", 1);
        why.push(WHY_DEL);
    }
    if let Some(rest) = l.strip_prefix("nats: error: nats: wrong last sequence: ") {
        let digits = rest.bytes().take_while(|c| c.is_ascii_digit()).count();
        l = format!(
            "nats: error: nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: <rev>{}",
            &rest[digits..]
        );
        why.push(WHY_ERR);
    }
    l
}

fn label_value(line: &str) -> Option<(&str, &str)> {
    let (l, v) = line.split_once(": ")?;
    let l = l.trim();
    (!l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')).then_some((l, v.trim()))
}

/// Compares a document's expected output with an actual one.
pub fn compare(expected: &str, actual: &str) -> Verdict {
    let exp = lines_of(expected);
    let act = lines_of(actual);
    if missing_lines(&exp, &act).is_empty() {
        return Verdict::Pass;
    }
    let mut why: Vec<&'static str> = Vec::new();
    // A server without JetStream.
    if exp.iter().any(|l| l.contains("JetStream is not supported in this account"))
        && act.iter().any(|l| l.starts_with("JetStream Account Information"))
    {
        return Verdict::Drift(vec![WHY_NO_JS.to_string()]);
    }
    // Reports (account info, bucket status) of older CLIs: compare the facts they share.
    let old_report =
        exp.iter().any(|l| l.contains("Key-Value Store Status") || l.starts_with("Connection Information:"));
    if old_report {
        let mut shared = 0;
        let mut conflicts = Vec::new();
        for e in &exp {
            let Some((label, value)) = label_value(e) else { continue };
            let theirs: Vec<&str> =
                act.iter().filter_map(|a| label_value(a)).filter(|(l, _)| *l == label).map(|(_, v)| v).collect();
            if theirs.is_empty() {
                continue;
            }
            shared += 1;
            // Older reports wrote "used of limit" on one line; today's print usage and limit apart.
            let split_agrees = value.split_once(" of ").is_some_and(|(used, limit)| {
                theirs.contains(&used)
                    && theirs.iter().any(|t| t.eq_ignore_ascii_case(limit) || t.ends_with(&format!("of {limit}")))
            });
            if !theirs.contains(&value) && !split_agrees {
                conflicts.push(e.trim().to_string());
            }
        }
        if shared > 0 && conflicts.is_empty() {
            return Verdict::Drift(vec![WHY_REPORT.to_string()]);
        }
        return Verdict::Fail { missing: conflicts };
    }
    let modern: Vec<String> = exp.iter().map(|l| modernize(l, &mut why)).collect();
    let missing = missing_lines(&modern, &act);
    if !missing.is_empty() {
        return Verdict::Fail { missing };
    }
    // Did a revision number in an error differ from the document's?
    for e in &exp {
        if let Some(p) = e.find("wrong last sequence: ") {
            let n: String = e[p + 21..].chars().take_while(|c| c.is_ascii_digit()).collect();
            let same = format!("wrong last sequence: {n}");
            if !act.iter().any(|a| {
                a.contains(&same)
                    && !a[a.find(&same).unwrap_or(0) + same.len()..].starts_with(|c: char| c.is_ascii_digit())
            }) {
                why.push(WHY_REV);
            }
        }
    }
    why.dedup();
    if why.is_empty() {
        return Verdict::Pass;
    }
    let mut out: Vec<String> = Vec::new();
    for w in why {
        if !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    Verdict::Drift(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_connection_details_are_normalised() {
        assert_eq!(normalize_line("my-kv > Key1 created @ 12 Oct 21 20:08 UTC"), "my-kv > Key1 created @ <time>");
        assert_eq!(normalize_line("[2021-10-12 13:15:03] DEL my-kv > Key1"), "[<time>] DEL my-kv > Key1");
        assert_eq!(normalize_line("                     RTT: 64.996Âµs"), "RTT: <conn>");
    }

    #[test]
    fn partial_output_in_order_passes() {
        assert_eq!(compare("b", "a\nb\nc"), Verdict::Pass);
        assert_eq!(compare("c\nb", "a\nb\nc"), Verdict::Fail { missing: vec!["b".into()] });
    }

    #[test]
    fn old_cli_output_is_explained() {
        let v = compare(
            "my-kv > Key1 created @ 12 Oct 21 20:08 UTC\n\nValue1",
            "my-kv > Key1 revision: 1 created @ 2026-01-01 00:00:00\n\nValue1\n",
        );
        assert_eq!(v, Verdict::Drift(vec![WHY_GET.to_string()]));
        let v = compare("[2021-10-12 13:15:03] DEL my-kv > Key1", "[2026-01-01 00:00:00] DELETE my-kv > Key1");
        assert_eq!(v, Verdict::Drift(vec![WHY_DEL.to_string()]));
        let v = compare(
            "nats: error: nats: wrong last sequence: 1: key exists",
            "nats: error: nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 1: key exists",
        );
        assert_eq!(v, Verdict::Drift(vec![WHY_ERR.to_string()]));
        let v = compare(
            "nats: error: nats: wrong last sequence: 14",
            "nats: error: nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 2",
        );
        assert_eq!(v, Verdict::Drift(vec![WHY_ERR.to_string(), WHY_REV.to_string()]));
    }

    #[test]
    fn a_wrong_value_is_not_explained_away() {
        let v = compare(
            "my-kv > Key1 created @ 12 Oct 21 20:08 UTC\n\nValue1",
            "my-kv > Key1 revision: 1 created @ 2026-01-01 00:00:00\n\nOther\n",
        );
        assert_eq!(v, Verdict::Fail { missing: vec!["Value1".into()] });
        let v = compare("my_kv Key-Value Store Status\n History Kept: 5", "Information for ...\n  History Kept: 1\n");
        assert_eq!(v, Verdict::Fail { missing: vec!["History Kept: 5".into()] });
    }

    #[test]
    fn old_reports_compare_their_shared_facts() {
        let v = compare("my_kv Key-Value Store Status\n\n  Bucket Name: my-kv\n History Kept: 1", "Information for Key-Value Store Bucket my-kv created 2026-01-01 00:00:00\n\nConfiguration:\n\n  Bucket Name: my-kv\n  History Kept: 1\n");
        assert_eq!(v, Verdict::Drift(vec![WHY_REPORT.to_string()]));
        let v = compare(
            "Connection Information:\n Consumers: 0 of Unlimited",
            "Account Usage:\n  Consumers: 0\n  Consumers: Unlimited\n",
        );
        assert_eq!(v, Verdict::Drift(vec![WHY_REPORT.to_string()]));
        let v = compare(
            "Connection Information:\n Consumers: 3 of Unlimited",
            "Account Usage:\n  Consumers: 0\n  Consumers: Unlimited\n",
        );
        assert!(matches!(v, Verdict::Fail { .. }));
    }
}
