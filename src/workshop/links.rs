//! What a workshop hands out: each learner's join link (the lesson, and the server with their credentials in the
//! address's fragment, which a browser never sends to a web server), the instructor's board link, and
//! `workshop.json`, which the board reads for its grid. Pure.

use serde_json::json;

use super::{config, LessonFile, Plan};

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page's origin: `http://HOST:HTTP_PORT`.
pub fn site(plan: &Plan) -> String {
    format!("http://{}:{}", plan.host, plan.http_port)
}

/// The WebSocket address the pages connect to.
pub fn ws_server(plan: &Plan) -> String {
    format!("ws://{}:{}", plan.host, plan.ws_port)
}

/// The server and credentials, as a fragment's parameters.
fn fragment(plan: &Plan, user: &str, pass: &str) -> String {
    format!("server={}&user={}&pass={}", encode(&ws_server(plan)), encode(user), encode(pass))
}

/// A learner's link to a lesson, connected to the workshop's server as them.
pub fn join_link(plan: &Plan, lesson: &LessonFile, user: &str, pass: &str) -> String {
    let path = format!("lessons/{}", encode(&lesson.file));
    format!("{}/?lesson={path}#{}", site(plan), fragment(plan, user, pass))
}

/// The instructor's board.
pub fn board_link(plan: &Plan) -> String {
    format!("{}/board.html#{}", site(plan), fragment(plan, config::INSTRUCTOR_USER, &plan.instructor_password))
}

/// One line per learner and lesson (`NAME  LINK`), then the board's.
pub fn links_txt(plan: &Plan, lessons: &[LessonFile]) -> String {
    let mut out = String::new();
    for l in &plan.learners {
        for lesson in lessons {
            out.push_str(&format!("{}\t{}\n", l.name, join_link(plan, lesson, &l.name, &l.password)));
        }
    }
    out.push_str(&format!("board\t{}\n", board_link(plan)));
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A page to print or share: each learner's links, and the board's at the top (for the instructor only).
pub fn links_html(plan: &Plan, lessons: &[LessonFile]) -> String {
    let mut rows = String::new();
    for l in &plan.learners {
        let links: Vec<String> = lessons
            .iter()
            .map(|lesson| {
                format!(
                    "<a href=\"{}\">{}</a>",
                    html_escape(&join_link(plan, lesson, &l.name, &l.password)),
                    html_escape(&lesson.lesson.title)
                )
            })
            .collect();
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
            html_escape(&l.name),
            links.join(" · ")
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Workshop links</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem}}td,th{{padding:.3rem .8rem;text-align:left}}\
         tr:nth-child(even){{background:#f3f3f3}}</style></head>\n<body>\n<h1>Workshop links</h1>\n\
         <p>Instructor: <a href=\"{board}\">the board</a> (keep this one to yourself).</p>\n\
         <p>Each learner opens their own link: it signs them in to their own account on the workshop's server.</p>\n\
         <table>\n<thead><tr><th scope=\"col\">Learner</th><th scope=\"col\">Lesson</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</body>\n</html>\n",
        board = html_escape(&board_link(plan)),
    )
}

/// `workshop.json`: the lessons and their steps, the learners and the server (no passwords: it is served).
pub fn workshop_json(plan: &Plan, lessons: &[LessonFile]) -> String {
    let lessons: Vec<_> = lessons
        .iter()
        .map(|l| {
            let steps: Vec<_> = l
                .lesson
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    json!({"n": i + 1, "title": s.title, "runnable": s.is_runnable(), "exercise": s.exercise.is_some()})
                })
                .collect();
            json!({"name": l.name(), "title": l.lesson.title, "file": format!("lessons/{}", l.file), "steps": steps})
        })
        .collect();
    let learners: Vec<&str> = plan.learners.iter().map(|l| l.name.as_str()).collect();
    let v = json!({"lessons": lessons, "learners": learners, "server": ws_server(plan)});
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshop::{Learner, Limits};

    fn plan() -> Plan {
        Plan {
            learners: vec![Learner { name: "ana".into(), password: "pw".into() }],
            instructor_password: "ipw".into(),
            limits: Limits::default(),
            bind: "0.0.0.0".into(),
            host: "10.0.0.5".into(),
            port: 4222,
            ws_port: 8080,
            http_port: 8000,
        }
    }

    fn lesson() -> LessonFile {
        LessonFile {
            path: "x/intro.md".into(),
            file: "intro.md".into(),
            lesson: crate::lesson::parse("# Intro\n\n## Make it\n\n```shell\nnats kv add b\n```\n"),
        }
    }

    #[test]
    fn links_carry_the_credentials_in_the_fragment_only() {
        assert_eq!(
            join_link(&plan(), &lesson(), "ana", "pw"),
            "http://10.0.0.5:8000/?lesson=lessons/intro.md#server=ws%3A%2F%2F10.0.0.5%3A8080&user=ana&pass=pw"
        );
        assert_eq!(
            board_link(&plan()),
            "http://10.0.0.5:8000/board.html#server=ws%3A%2F%2F10.0.0.5%3A8080&user=instructor&pass=ipw"
        );
        assert!(links_txt(&plan(), &[lesson()]).starts_with("ana\thttp://"));
    }

    #[test]
    fn workshop_json_names_lessons_steps_and_learners_without_passwords() {
        let j: serde_json::Value = serde_json::from_str(&workshop_json(&plan(), &[lesson()])).unwrap();
        assert_eq!(j["lessons"][0]["name"], "intro");
        assert_eq!(j["lessons"][0]["file"], "lessons/intro.md");
        assert_eq!(
            j["lessons"][0]["steps"][0],
            json!({"n": 1, "title": "Make it", "runnable": true, "exercise": false})
        );
        assert_eq!(j["learners"], json!(["ana"]));
        assert_eq!(j["server"], "ws://10.0.0.5:8080");
        assert!(!workshop_json(&plan(), &[lesson()]).contains("pw"));
    }
}
