//! `kvplay workshop` (native only): from lessons and a list of learners, the files that run a workshop on a real
//! NATS server (`config`: accounts and server configuration; `links`: join links, the board's link and
//! `workshop.json`), and on the instructor's machine the running workshop (`start`: nats-server and the
//! instructor's buckets; `http`: the page, the lessons and `workshop.json` from one origin). `learner` is a
//! headless learner's side: progress records written as the page writes them.

pub mod config;
pub mod http;
pub mod learner;
pub mod links;
pub mod start;

use std::path::{Path, PathBuf};

use crate::lesson::{self, progress};

/// One learner: their name (a key token: the account, the user and the progress keys' first token) and password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Learner {
    pub name: String,
    pub password: String,
}

/// JetStream limits of each learner's account (nats-server's account `jetstream { ... }` block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory storage.
    pub max_memory: i64,
    /// Bytes of file storage.
    pub max_file: i64,
    pub max_streams: i64,
    pub max_consumers: i64,
}

impl Default for Limits {
    /// Room for every lesson's buckets and watches, and little enough that 200 learners fit on a laptop.
    fn default() -> Limits {
        Limits { max_memory: 64 << 20, max_file: 256 << 20, max_streams: 50, max_consumers: 200 }
    }
}

/// Everything the workshop's files say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub learners: Vec<Learner>,
    pub instructor_password: String,
    pub limits: Limits,
    /// The address nats-server listens on.
    pub bind: String,
    /// The host name the links use.
    pub host: String,
    pub port: u16,
    pub ws_port: u16,
    pub http_port: u16,
}

/// A lesson of the workshop, as `workshop.json` and the links name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its file name, served as `lessons/FILE`.
    pub file: String,
    pub lesson: lesson::Lesson,
}

impl LessonFile {
    /// Reads a lesson file; the error says which file and why.
    pub fn read(path: &Path) -> Result<LessonFile, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read the lesson {}: {e}", path.display()))?;
        let src = String::from_utf8(bytes).map_err(|_| format!("the lesson {} is not UTF-8 text", path.display()))?;
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{} is not a file", path.display()))?;
        let lesson = lesson::parse(&src);
        if !lesson.steps.iter().any(|s| s.is_runnable()) {
            return Err(format!(
                "{} has no steps to run: is it a lesson (Markdown with `nats` commands)?",
                path.display()
            ));
        }
        Ok(LessonFile { path: path.to_path_buf(), file, lesson })
    }

    /// The lesson's name in progress keys.
    pub fn name(&self) -> String {
        progress::lesson_name(&self.file)
    }
}

/// Who takes part: a number of seats (`learner01`...) or names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seats {
    Count(usize),
    Names(Vec<String>),
}

/// The most learners one workshop configuration takes.
pub const MAX_SEATS: usize = 1000;

/// The learners' names, checked: each a key token, unique, none reserved.
pub fn learner_names(seats: &Seats) -> Result<Vec<String>, String> {
    let names: Vec<String> = match seats {
        Seats::Count(0) => return Err("--seats needs at least 1 learner".into()),
        Seats::Count(n) if *n > MAX_SEATS => {
            return Err(format!("--seats {n} is more than one workshop takes ({MAX_SEATS})"))
        }
        Seats::Count(n) => {
            let width = n.to_string().len().max(2);
            (1..=*n).map(|i| format!("learner{i:0width$}")).collect()
        }
        Seats::Names(names) => names.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect(),
    };
    if names.is_empty() {
        return Err("--names needs at least one name, like --names ana,bo,cy".into());
    }
    if names.len() > MAX_SEATS {
        return Err(format!("{} names are more than one workshop takes ({MAX_SEATS})", names.len()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for n in &names {
        if progress::token(n) != *n {
            return Err(format!(
                "the name {n:?} cannot be a learner's name: use letters, digits, '-' and '_' only (like {:?})",
                progress::token(n)
            ));
        }
        if config::RESERVED.iter().any(|r| r.eq_ignore_ascii_case(n)) {
            return Err(format!("the name {n:?} is reserved (the instructor's or the server's own): choose another"));
        }
        if !seen.insert(n.to_ascii_lowercase()) {
            return Err(format!("the name {n:?} is given twice"));
        }
    }
    Ok(names)
}

/// A random password: 20 letters and digits (about 119 bits), safe in URLs and configuration files.
pub fn password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if random.is_err() {
        // No system randomness to read: a hash of the time, the process and a counter.
        use sha2::Digest;
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let h = sha2::Sha256::digest(format!("{t}.{}.{n}", std::process::id()));
        bytes.copy_from_slice(&h[..20]);
    }
    // 256 is not a multiple of the alphabet's size: the small bias costs under a bit of the 119.
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// The learners with passwords: an earlier run's where it gave one (unless `fresh`), new ones otherwise.
pub fn with_passwords(names: &[String], earlier: &[(String, String)], fresh: bool) -> (Vec<Learner>, String) {
    let old = |user: &str| if fresh { None } else { earlier.iter().find(|(u, _)| u == user).map(|(_, p)| p.clone()) };
    let learners =
        names.iter().map(|n| Learner { name: n.clone(), password: old(n).unwrap_or_else(password) }).collect();
    (learners, old(config::INSTRUCTOR_USER).unwrap_or_else(password))
}

/// Writes the workshop's files into `dir` (made if missing): accounts.conf, nats-server.conf, links.txt,
/// links.html and workshop.json. Returns the paths written.
pub fn write_files(dir: &Path, plan: &Plan, lessons: &[LessonFile]) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make the folder {}: {e}", dir.display()))?;
    let store = dir.join("jetstream");
    let store = std::path::absolute(&store).unwrap_or(store);
    let files = [
        ("accounts.conf", config::accounts_conf(plan)),
        ("nats-server.conf", config::server_conf(plan, &store.to_string_lossy())),
        ("links.txt", links::links_txt(plan, lessons)),
        ("links.html", links::links_html(plan, lessons)),
        ("workshop.json", links::workshop_json(plan, lessons)),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        written.push(p);
    }
    // The files hold passwords: only their owner reads them.
    #[cfg(unix)]
    for p in &written {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_numbered_and_names_are_checked() {
        let n = learner_names(&Seats::Count(30)).unwrap();
        assert_eq!((n[0].as_str(), n[29].as_str()), ("learner01", "learner30"));
        assert_eq!(learner_names(&Seats::Count(200)).unwrap()[0], "learner001");
        assert!(learner_names(&Seats::Count(0)).unwrap_err().contains("at least 1"));
        let names = |v: &[&str]| Seats::Names(v.iter().map(|s| s.to_string()).collect());
        assert!(learner_names(&names(&["ana", "a.b"])).unwrap_err().contains("letters, digits"));
        assert!(learner_names(&names(&["ana", "Ana"])).unwrap_err().contains("twice"));
        assert!(learner_names(&names(&["instructor"])).unwrap_err().contains("reserved"));
        assert_eq!(learner_names(&names(&["ana", " bo "])).unwrap(), ["ana", "bo"]);
    }

    #[test]
    fn passwords_are_kept_unless_fresh_ones_are_asked_for() {
        let earlier = vec![("ana".to_string(), "old".to_string()), ("instructor".to_string(), "i".to_string())];
        let names = vec!["ana".to_string(), "bo".to_string()];
        let (l, i) = with_passwords(&names, &earlier, false);
        assert_eq!((l[0].password.as_str(), i.as_str()), ("old", "i"));
        assert_eq!(l[1].password.len(), 20);
        let (l, i) = with_passwords(&names, &earlier, true);
        assert!(l[0].password != "old" && i != "i");
        assert_ne!(password(), password());
    }
}
