//! A workshop's nats-server configuration as text: `accounts.conf` (an account per learner with JetStream and
//! limits, the instructor's account with its exports, each learner's imports) and `nats-server.conf` (listeners,
//! JetStream's store, `include accounts.conf`). Pure: the caller writes the files.

use super::Plan;
use crate::lesson::progress;

/// The instructor's account and user name.
pub const INSTRUCTOR_ACCOUNT: &str = "INSTRUCTOR";
pub const INSTRUCTOR_USER: &str = "instructor";

/// Names a learner may not take: the instructor's, and the accounts nats-server keeps for itself.
pub const RESERVED: &[&str] = &["instructor", "INSTRUCTOR", "SYS", "$SYS", "$G", "$G_SYS"];

/// A string as a nats-server configuration string (double quotes; `\` and `"` escaped).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `accounts.conf`: every account, its users, JetStream limits, exports and imports. It runs as it is on one
/// server, a cluster, or a super-cluster (each server includes it).
pub fn accounts_conf(plan: &Plan) -> String {
    let mut out = String::new();
    out.push_str("# NATS KV Playground workshop: one account per learner, and the instructor's.\n");
    out.push_str(
        "# Written by `kvplay workshop`; running it again keeps these passwords (the join links stay valid).\n",
    );
    out.push_str("# Include it from any nats-server configuration: `include accounts.conf`.\n\n");
    out.push_str("accounts {\n");
    out.push_str(&format!("  {INSTRUCTOR_ACCOUNT} {{\n"));
    out.push_str("    jetstream: enabled\n");
    out.push_str(&format!(
        "    users: [ {{ user: {}, password: {} }} ]\n",
        quoted(INSTRUCTOR_USER),
        quoted(&plan.instructor_password)
    ));
    out.push_str("    exports: [\n");
    out.push_str("      # Each learner writes progress under its own name (a KV put: the reply is JetStream's ack).\n");
    out.push_str(&format!("      {{ service: {} }}\n", quoted(&format!("$KV.{}.>", progress::PROGRESS_BUCKET))));
    out.push_str("      # The message to all learners: its updates, and its last value by direct get.\n");
    out.push_str(&format!("      {{ stream: {} }}\n", quoted(progress::NEWS_SUBJECTS)));
    out.push_str(&format!(
        "      {{ service: {} }}\n",
        quoted(&format!("$JS.API.DIRECT.GET.KV_{}.>", progress::NEWS_BUCKET))
    ));
    out.push_str("    ]\n  }\n");
    for l in &plan.learners {
        out.push_str(&format!("  {} {{\n", quoted(&l.name)));
        out.push_str(&format!(
            "    jetstream {{ max_memory: {}, max_file: {}, max_streams: {}, max_consumers: {} }}\n",
            plan.limits.max_memory, plan.limits.max_file, plan.limits.max_streams, plan.limits.max_consumers
        ));
        out.push_str(&format!("    users: [ {{ user: {}, password: {} }} ]\n", quoted(&l.name), quoted(&l.password)));
        out.push_str("    imports: [\n");
        out.push_str(&format!(
            "      {{ service: {{ account: {INSTRUCTOR_ACCOUNT}, subject: {} }} }}\n",
            quoted(&progress::learner_import(&l.name))
        ));
        out.push_str(&format!(
            "      {{ stream: {{ account: {INSTRUCTOR_ACCOUNT}, subject: {} }} }}\n",
            quoted(progress::NEWS_SUBJECTS)
        ));
        out.push_str(&format!(
            "      {{ service: {{ account: {INSTRUCTOR_ACCOUNT}, subject: {} }} }}\n",
            quoted(&progress::news_direct_get_subject())
        ));
        out.push_str("    ]\n  }\n");
    }
    out.push_str("}\n");
    out
}

/// `nats-server.conf` for one server on the instructor's machine: client and WebSocket listeners, JetStream's
/// store under the workshop's folder, and the accounts.
pub fn server_conf(plan: &Plan, store_dir: &str) -> String {
    format!(
        "# NATS KV Playground workshop: one nats-server for {n} learners. Start it with\n\
         #   nats-server -c nats-server.conf\n\
         # (`kvplay workshop` does, unless --no-start).\n\n\
         server_name: kvplay_workshop\n\
         listen: {listen}\n\
         max_payload: 1MB\n\n\
         jetstream {{\n  store_dir: {store}\n}}\n\n\
         # The learners' pages connect here (a page served over http:// may use ws://).\n\
         websocket {{\n  listen: {ws}\n  no_tls: true\n}}\n\n\
         include accounts.conf\n",
        n = plan.learners.len(),
        listen = quoted(&format!("{}:{}", plan.bind, plan.port)),
        store = quoted(store_dir),
        ws = quoted(&format!("{}:{}", plan.bind, plan.ws_port)),
    )
}

/// The passwords an earlier `accounts.conf` gave its users, so a second run keeps the links valid.
pub fn read_passwords(conf: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in conf.lines() {
        let Some(rest) = line.split_once("user:").map(|(_, r)| r) else { continue };
        let (Some(user), Some(pass)) =
            (first_string(rest), rest.split_once("password:").and_then(|(_, r)| first_string(r)))
        else {
            continue;
        };
        out.push((user, pass));
    }
    out
}

/// The first double-quoted string in `s`, unescaped.
fn first_string(s: &str) -> Option<String> {
    let start = s.find('"')? + 1;
    let mut out = String::new();
    let mut chars = s[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshop::{Learner, Limits, Plan};

    fn plan() -> Plan {
        Plan {
            learners: vec![
                Learner { name: "ana".into(), password: "p\"1".into() },
                Learner { name: "bo".into(), password: "p2".into() },
            ],
            instructor_password: "i".into(),
            limits: Limits::default(),
            bind: "127.0.0.1".into(),
            host: "127.0.0.1".into(),
            port: 4222,
            ws_port: 8080,
            http_port: 8000,
        }
    }

    #[test]
    fn learners_import_only_their_own_progress_subjects() {
        let c = accounts_conf(&plan());
        assert!(c.contains("{ service: { account: INSTRUCTOR, subject: \"$KV.kvplay_progress.ana.>\" } }"), "{c}");
        assert!(c.contains("{ service: { account: INSTRUCTOR, subject: \"$KV.kvplay_progress.bo.>\" } }"), "{c}");
        assert!(!c.contains("subject: \"$KV.kvplay_progress.>\""), "{c}");
        assert!(c.contains("{ service: \"$JS.API.DIRECT.GET.KV_kvplay_news.>\" }"), "{c}");
    }

    #[test]
    fn passwords_come_back_from_an_earlier_file() {
        let c = accounts_conf(&plan());
        assert_eq!(
            read_passwords(&c),
            vec![("instructor".into(), "i".into()), ("ana".into(), "p\"1".into()), ("bo".into(), "p2".into())]
        );
    }

    #[test]
    fn the_server_includes_the_accounts() {
        let c = server_conf(&plan(), "/tmp/w/jetstream");
        assert!(c.contains("listen: \"127.0.0.1:4222\"") && c.contains("listen: \"127.0.0.1:8080\""), "{c}");
        assert!(c.trim_end().ends_with("include accounts.conf"), "{c}");
    }
}
