//! Getting sessions in and out: the bucket export format (JSON, also producible from a real server by
//! `scripts/export_bucket.py`), share links (the commands typed, deflated into the URL), and the session as a
//! `nats` CLI script or a nats-py program. Every input is validated completely before anything is replaced.

use crate::backend::KvBackend;
use crate::session::Line;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cli::format::base64;
use crate::cli::parse::split_words;
use crate::engine::kv::{bucket_valid, key_valid, stream_name};
use crate::engine::stream::{parse_message_ttl, StoredMsg, Stream};
use crate::engine::{headers, Config, Engine, Nanos, Operation};

/// The export format's name and version.
pub const FORMAT: &str = "nats-kv-playground/v1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub format: String,
    /// The engine's time when exported, in nanoseconds since the epoch.
    pub now: Nanos,
    pub buckets: Vec<BucketExport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketExport {
    pub config: Config,
    pub created: Nanos,
    /// The bucket's last revision (later revisions may have been removed, so it can exceed the last listed).
    pub last_revision: u64,
    pub revisions: Vec<RevisionExport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionExport {
    pub revision: u64,
    pub key: String,
    /// PUT, DEL or PURGE (informative: the headers decide).
    pub operation: String,
    /// The value, base64-encoded.
    pub value: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// When it was written, in nanoseconds since the epoch.
    pub time: Nanos,
}

impl RevisionExport {
    /// A kept message as exported: its operation read from its headers, its value in base64.
    pub fn new(revision: u64, key: &str, headers: Vec<(String, String)>, data: &[u8], time: Nanos) -> RevisionExport {
        let operation = match Operation::from_headers(&headers) {
            Operation::Put => "PUT",
            Operation::Delete => "DEL",
            Operation::Purge => "PURGE",
        };
        RevisionExport {
            revision,
            key: key.to_string(),
            operation: operation.to_string(),
            value: base64(data),
            headers,
            time,
        }
    }
}

/// The kept revisions of every bucket.
pub fn export(e: &Engine) -> Export {
    let buckets = e
        .bucket_names()
        .into_iter()
        .filter_map(|b| {
            let s = e.bucket_stream(&b)?;
            let prefix = format!("$KV.{b}.");
            Some(BucketExport {
                config: Config::from_stream_config(&b, &s.config),
                created: s.created,
                last_revision: s.state().last_seq,
                revisions: s
                    .messages()
                    .map(|m| {
                        let key = m.subject.trim_start_matches(&prefix);
                        RevisionExport::new(m.seq, key, m.headers.clone(), &m.data, m.time)
                    })
                    .collect(),
            })
        })
        .collect();
    Export { format: FORMAT.to_string(), now: e.now(), buckets }
}

/// Decodes standard or URL-safe base64, with or without padding (whitespace, as in a pasted export, is ignored).
pub fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    use ::base64::Engine as _;
    let text: String = s
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    crate::cli::format::B64.decode(text).map_err(|e| format!("invalid base64: {e}"))
}

/// Reads an export and builds the engine it describes at time `now`, or says exactly what is wrong.
pub fn import(json: &str, now: Nanos) -> Result<Engine, String> {
    let x: Export = serde_json::from_str(json).map_err(|e| format!("not a playground export: {e}"))?;
    engine_from(&x, now)
}

/// Builds the engine an export describes at time `now` (an import, or the page's copy of a server's buckets).
pub fn engine_from(x: &Export, now: Nanos) -> Result<Engine, String> {
    if x.format != FORMAT {
        return Err(format!("unknown export format {:?} (this playground reads {FORMAT})", x.format));
    }
    // Buckets are made as a client makes them, through the embedded server's checks; their messages are then
    // placed as they were kept.
    let mut node = crate::server::Standalone::embedded(now.max(x.now));
    for b in &x.buckets {
        let name = &b.config.bucket;
        if !bucket_valid(name) {
            return Err(format!("invalid bucket name {name:?}"));
        }
        if node.engine.bucket_stream(name).is_some() {
            return Err(format!("bucket {name} appears twice"));
        }
        node.create_bucket(&b.config).map_err(|err| format!("bucket {name}: {err}"))?;
        let e = &mut node.engine;
        let config = e.bucket_stream(name).map(|s| s.config.clone()).ok_or("bucket vanished")?;
        let mut msgs = Vec::with_capacity(b.revisions.len());
        let mut last = 0u64;
        // Counted in u64 as the explorer's map of keys is, so the page has one such map's code.
        let mut per_key: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &b.revisions {
            if r.revision <= last {
                return Err(format!("bucket {name}: revision {} is not after revision {last}", r.revision));
            }
            last = r.revision;
            if !key_valid(&r.key) {
                return Err(format!("bucket {name} revision {}: invalid key {:?}", r.revision, r.key));
            }
            let count = per_key.entry(&r.key).or_default();
            *count += 1;
            if i64::try_from(*count).unwrap_or(i64::MAX) > config.max_msgs_per_subject {
                return Err(format!(
                    "bucket {name}: key {} has more revisions than the bucket keeps ({})",
                    r.key, config.max_msgs_per_subject
                ));
            }
            let data =
                base64_decode(&r.value).map_err(|err| format!("bucket {name} revision {}: {err}", r.revision))?;
            let mut hdrs = r.headers.clone();
            let op = headers::get(&hdrs, headers::KV_OPERATION).map(str::to_string);
            match (r.operation.as_str(), op.as_deref()) {
                ("DEL", None) => hdrs.push((headers::KV_OPERATION.into(), "DEL".into())),
                ("PURGE", None) => hdrs.push((headers::KV_OPERATION.into(), "PURGE".into())),
                ("PUT", _) | ("DEL", Some("DEL")) | ("PURGE", Some("PURGE")) => {}
                (o, h) => {
                    return Err(format!(
                        "bucket {name} revision {}: operation {o} disagrees with header {h:?}",
                        r.revision
                    ))
                }
            }
            let ttl = headers::get(&hdrs, headers::MSG_TTL).and_then(parse_message_ttl).unwrap_or(0);
            msgs.push(StoredMsg {
                seq: r.revision,
                subject: format!("$KV.{name}.{}", r.key),
                headers: hdrs,
                data,
                time: r.time,
                ttl,
            });
        }
        if b.last_revision < last {
            return Err(format!("bucket {name}: last_revision {} is before revision {last}", b.last_revision));
        }
        let stream = Stream::restore(config, b.created, msgs, b.last_revision);
        e.replace_stream(&stream_name(name), stream);
    }
    // Values whose TTL ran out while exported are expired now, as a server would on start-up.
    node.engine.set_now(now.max(x.now) + 1);
    Ok(node.engine)
}

/// The longest share link the playground makes or accepts, in characters of its encoded part.
pub const MAX_SHARE: usize = 8_000;

/// URL-safe base64 without padding.
pub fn base64url(v: &[u8]) -> String {
    base64(v).trim_end_matches('=').replace('+', "-").replace('/', "_")
}

/// What starts a share link's packed part that carries a checksum (zlib: deflate with Adler-32). Links made
/// before it (plain deflate) still open.
const SHARE_CHECKED: &str = "z.";

/// Encodes the commands of a session for a link: deflated with a checksum, then URL-safe base64.
pub fn encode_share(commands: &[String]) -> Result<String, String> {
    let text = commands.join("\n");
    let packed =
        format!("{SHARE_CHECKED}{}", base64url(&miniz_oxide::deflate::compress_to_vec_zlib(text.as_bytes(), 9)));
    if packed.len() > MAX_SHARE {
        return Err(format!(
            "this session is too long to share as a link ({} characters once compressed, the limit is {MAX_SHARE}); export it as a file instead",
            packed.len()
        ));
    }
    Ok(packed)
}

/// The most a link unpacks to.
pub const MAX_UNPACKED: usize = 1 << 20;

/// What a link that does not unpack is.
const CUT_SHORT: &str = "this share link is damaged or cut short: it could not be unpacked";

/// Decodes a link's base64 and inflates it (zlib, whose checksum makes any changed or missing character an error
/// rather than other commands, or raw deflate for links made before the checksum), at most `MAX_UNPACKED` bytes.
#[cfg(not(target_arch = "wasm32"))]
fn unpack(_packed: &str, body: &str, checked: bool) -> Result<Vec<u8>, String> {
    let bytes = base64_decode(body).map_err(|e| format!("this share link is damaged ({e})"))?;
    let raw = if checked {
        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&bytes, MAX_UNPACKED)
    } else {
        miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_UNPACKED)
    };
    raw.map_err(|_| CUT_SHORT.to_string())
}

/// In the page the browser decodes and inflates: the loader unpacks the address's links with `atob` and
/// `DecompressionStream` before the module starts (`static/loader.js`, `window.kvplayUnpacked`, by packed text:
/// the bytes, or `"base64"` for a link that is not base64), so no module of the page carries a decoder or an
/// inflater of its own (6 to 7 KB gzip of each small module).
#[cfg(target_arch = "wasm32")]
fn unpack(packed: &str, _body: &str, _checked: bool) -> Result<Vec<u8>, String> {
    let got = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"kvplayUnpacked".into()).ok())
        .and_then(|m| wasm_bindgen::JsCast::dyn_into::<js_sys::Map>(m).ok())
        .map(|m| m.get(&packed.into()));
    if got.as_ref().and_then(|g| g.as_string()).as_deref() == Some("base64") {
        return Err("this share link is damaged (it is not base64)".to_string());
    }
    got.as_ref()
        .and_then(|g| wasm_bindgen::JsCast::dyn_ref::<js_sys::Uint8Array>(g))
        .filter(|b| b.length() as usize <= MAX_UNPACKED)
        .map(|b| b.to_vec())
        .ok_or_else(|| CUT_SHORT.to_string())
}

/// Decodes a share link's commands; a tampered or truncated link is an error, never a partial session.
pub fn decode_share(packed: &str) -> Result<Vec<String>, String> {
    if packed.len() > MAX_SHARE {
        return Err(format!("this link is longer than the {MAX_SHARE} characters a share link may have"));
    }
    let (checked, body) = match packed.strip_prefix(SHARE_CHECKED) {
        Some(b) => (true, b),
        None => (false, packed),
    };
    let raw = unpack(packed, body, checked)?;
    let text = String::from_utf8(raw).map_err(|_| "this share link is damaged: it is not text".to_string())?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.len() > 2_000 {
        return Err("this share link holds more than 2,000 commands".to_string());
    }
    if let Some(bad) = lines
        .iter()
        .find(|l| !is_session_event(l) && matches!(Line::parse(l), Line::Unknown(_) | Line::Help | Line::Clear))
    {
        return Err(format!("this share link holds something that is not a nats command: {bad:?}"));
    }
    if let Some(bad) = lines.iter().find(|l| matches!(Line::parse(l), Line::Unreadable(_) | Line::BadSleep(_))) {
        return Err(format!("this share link is damaged: {bad:?} is not a whole command"));
    }
    Ok(lines)
}

/// A line of a session's history that is not a command: Ctrl-C (`interrupt`) or the answer to the question the
/// command before it asked (`confirm yes`, `confirm no`), as `kvplay run` scripts write them.
pub fn is_session_event(line: &str) -> bool {
    matches!(line.trim(), "interrupt" | "confirm yes" | "confirm no")
}

/// The commands of a session's history that did something: a command whose question was answered no is left
/// out, and so are the interrupts and answers themselves (exports run without asking, as with `-f`).
pub fn commands_done(history: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in history.iter().enumerate() {
        if is_session_event(c) || history.get(i + 1).is_some_and(|n| n.trim() == "confirm no") {
            continue;
        }
        out.push(c.clone());
    }
    out
}

/// The commands of a session as a shell script for the real `nats` CLI. Clock moves become `sleep`s; commands
/// the CLI asks about get `-f` (the playground's session answered yes); a refused write does not stop the
/// script, as it did not stop the session.
pub fn cli_script(commands: &[String]) -> String {
    let mut s = String::from("#!/bin/sh\n# Exported from the NATS KV Playground: the same commands against a real server.\n# Point the nats CLI at it first, for example: export NATS_URL=nats://127.0.0.1:4222\n# A command that fails (a refused write) does not stop the script, as in the playground.\n\n");
    for c in &commands_done(commands) {
        if let Some(d) = Line::sleep(c) {
            s.push_str(&format!("sleep {}  # the playground's clock moved forward\n", seconds(d)));
            continue;
        }
        if !c.starts_with("nats ") {
            continue;
        }
        s.push_str(&with_force(c));
        s.push('\n');
    }
    s
}

/// Nanoseconds as seconds without a needless fraction: 10, 0.5.
fn seconds(d: i64) -> String {
    let (whole, frac) = (d / 1_000_000_000, d % 1_000_000_000);
    if frac == 0 {
        return whole.to_string();
    }
    format!("{whole}.{:09}", frac).trim_end_matches('0').to_string()
}

/// A command the CLI confirms first (`del`, `rm`, `purge`, `compact`, `revert`) with `-f`, so a script does
/// not stop at the question.
fn with_force(c: &str) -> String {
    let Ok(words) = split_words(c) else { return c.to_string() };
    let asks = matches!(
        (words.get(1).map(String::as_str), words.get(2).map(String::as_str)),
        (Some("kv"), Some("del" | "rm" | "purge" | "compact" | "revert"))
    );
    if !asks || words.iter().any(|w| w == "-f" || w == "--force") {
        return c.to_string();
    }
    // Insert after `nats kv SUB`, keeping the rest of the line exactly as typed.
    let mut rest = c;
    for _ in 0..3 {
        rest = rest.trim_start();
        rest = rest.find(char::is_whitespace).map(|i| &rest[i..]).unwrap_or("");
    }
    let head = &c[..c.len() - rest.len()];
    format!("{head} -f{rest}")
}

/// The commands of a session as a nats-py program doing the same against a real server (see `codegen`).
pub fn python_script(commands: &[String]) -> String {
    crate::codegen::program(crate::codegen::Lang::Python, commands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC as S;

    fn sample() -> crate::server::Standalone {
        let mut e = crate::server::Standalone::embedded(1000 * S);
        let mut c = Config::new("cfg");
        c.history = 3;
        c.description = "d".into();
        e.create_bucket(&c).unwrap();
        e.put("cfg", "a", b"1").unwrap();
        e.put("cfg", "a", &[0, 255, 7]).unwrap();
        e.delete("cfg", "b").unwrap();
        e.put("cfg", "c", b"x").unwrap();
        e.purge("cfg", "c", 0).unwrap();
        let mut t = Config::new("ttl");
        t.max_age = 60 * S;
        e.create_bucket(&t).unwrap();
        e.put("ttl", "s", b"v").unwrap();
        e
    }

    #[test]
    fn a_bucket_made_as_nats_py_makes_it_comes_back_the_same_way() {
        let mut e = crate::server::Standalone::embedded(1000 * S);
        let mut c = Config::new("py");
        c.mapping = crate::engine::Mapping::Python;
        e.create_bucket(&c).unwrap();
        let made = e.bucket_stream("py").unwrap().config.clone();
        assert!(!made.allow_direct && made.allow_msg_ttl);
        let back = import(&serde_json::to_string(&export(&e)).unwrap(), e.engine.now()).unwrap();
        assert_eq!(back.bucket_stream("py").unwrap().config, made);
        // The CLI's buckets stay the CLI's.
        let go = Config::from_stream_config("cfg", &sample().bucket_stream("cfg").unwrap().config);
        assert_eq!(go.mapping, crate::engine::Mapping::Go);
    }

    #[test]
    fn export_then_import_gives_the_same_state() {
        let mut e = sample();
        let json = serde_json::to_string(&export(&e)).unwrap();
        let mut back = crate::server::Standalone::from(import(&json, e.now()).unwrap());
        assert_eq!(export(&back).buckets, export(&e).buckets);
        assert_eq!(back.status("cfg").unwrap().bytes, e.status("cfg").unwrap().bytes);
        assert_eq!(back.status("cfg").unwrap().last_revision, 5);
        assert_eq!(back.get("cfg", "a").unwrap().value, vec![0, 255, 7]);

        assert_eq!(back.put("cfg", "z", b"1").unwrap(), 6, "revisions go on from the export");
    }

    #[test]
    fn an_import_expires_what_ran_out_meanwhile() {
        let e = sample();
        let json = serde_json::to_string(&export(&e)).unwrap();
        let mut back = crate::server::Standalone::from(import(&json, e.now() + 61 * S).unwrap());
        assert!(back.get("ttl", "s").is_err());
    }

    #[test]
    fn bad_imports_are_refused_with_a_reason() {
        let e = sample();
        let good = serde_json::to_string(&export(&e)).unwrap();
        assert!(import("{", 0).unwrap_err().starts_with("not a playground export"));
        assert!(import(&good.replace(FORMAT, "other/v9"), 0).unwrap_err().contains("unknown export format"));
        let mut x = export(&e);
        x.buckets[0].revisions.swap(0, 1);
        assert!(import(&serde_json::to_string(&x).unwrap(), 0).unwrap_err().contains("is not after revision"));
        let mut x = export(&e);
        x.buckets[0].revisions[0].key = "bad key".into();
        assert!(import(&serde_json::to_string(&x).unwrap(), 0).unwrap_err().contains("invalid key"));
        let mut x = export(&e);
        x.buckets[0].revisions[0].value = "***".into();
        assert!(import(&serde_json::to_string(&x).unwrap(), 0).unwrap_err().contains("invalid base64"));
        let mut x = export(&e);
        x.buckets[0].config.history = 1;
        assert!(import(&serde_json::to_string(&x).unwrap(), 0)
            .unwrap_err()
            .contains("more revisions than the bucket keeps"));
    }

    #[test]
    fn share_links_round_trip_and_refuse_damage() {
        let cmds: Vec<String> = vec!["nats kv add b".into(), "nats kv put b k 'hello world'".into(), "sleep 5s".into()];
        let link = encode_share(&cmds).unwrap();
        assert!(link.len() < 100, "{}", link.len());
        assert_eq!(decode_share(&link).unwrap(), cmds);
        assert!(decode_share(&link[..link.len() / 2]).is_err(), "truncated");
        for cut in 1..link.len() {
            assert!(decode_share(&link[..link.len() - cut]).is_err(), "cut short by {cut}");
        }
        // Any changed character is refused whole, never decoded into other commands.
        let mut bytes = link.clone().into_bytes();
        for i in 2..bytes.len() {
            let was = bytes[i];
            bytes[i] = if was == b'A' { b'B' } else { b'A' };
            let damaged = String::from_utf8(bytes.clone()).unwrap();
            assert!(decode_share(&damaged).is_err(), "character {i} changed: {:?}", decode_share(&damaged));
            bytes[i] = was;
        }
        // Links made before the checksum still open.
        let legacy = base64url(&miniz_oxide::deflate::compress_to_vec(cmds.join("\n").as_bytes(), 9));
        assert_eq!(decode_share(&legacy).unwrap(), cmds);
        assert!(decode_share("not*base64").unwrap_err().contains("damaged"));
        let evil = encode_share(&["rm -rf /".to_string()]).unwrap();
        assert!(decode_share(&evil).unwrap_err().contains("not a nats command"));
        let huge: Vec<String> = (0..20000).map(|i| format!("nats kv put b k{i} {}", i * 7919 % 104729)).collect();
        assert!(encode_share(&huge).unwrap_err().contains("too long to share"));
    }

    #[test]
    fn sessions_export_as_cli_and_python_scripts() {
        let cmds: Vec<String> = vec![
            "nats kv add b --history 5".into(),
            "nats kv put b k v".into(),
            "help".into(),
            "sleep 1m".into(),
            "nats kv create b k again".into(),
            "nats kv del b k".into(),
            "nats kv rm -f b".into(),
        ];
        let sh = cli_script(&cmds);
        assert!(
            sh.ends_with(
                "nats kv add b --history 5\nnats kv put b k v\nsleep 60  # the playground's clock moved forward\nnats kv create b k again\nnats kv del -f b k\nnats kv rm -f b\n"
            ),
            "{sh}"
        );
        assert!(!sh.contains("set -e"), "a refused write does not stop the script");
        let py = python_script(&cmds);
        assert!(py.contains("        await js.create_key_value(bucket=\"b\", direct=True, history=5)\n"), "{py}");
        assert!(py.contains("        print(await kv.put(\"k\", \"v\".encode()))\n"), "{py}");
        assert!(py.contains("    await asyncio.sleep(60)"), "{py}");
        // The refused create is caught, and the program goes on to the delete.
        let create = py.find("try:  # nats kv create b k again").expect("create");
        let delete = py.find("try:  # nats kv del b k").expect("delete");
        assert!(
            create < delete && py[create..delete].contains("except Exception as e:\n        print(\"error:\", e)"),
            "{py}"
        );
    }
}

/// The playground's own state as kept in the browser between visits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedState {
    pub format: String,
    pub export: Export,
    /// The commands typed, oldest first (the terminal's history).
    pub history: Vec<String>,
    /// How far the playground's clock was ahead of real time, in nanoseconds (fast-forwards).
    #[serde(default)]
    pub clock_offset: Nanos,
    /// The newest lines of the terminal, as (kind, text).
    #[serde(default)]
    pub transcript: Vec<(String, String)>,
}

/// What a reload gets back.
#[derive(Clone, Debug)]
pub struct Restored {
    pub engine: Engine,
    pub history: Vec<String>,
    pub clock_offset: Nanos,
    pub transcript: Vec<(String, String)>,
}

/// The most terminal lines kept between visits, and the most characters of any one.
pub const KEPT_LINES: usize = 400;
const KEPT_LINE_CHARS: usize = 2_000;

/// The stored state's name and version.
pub const STATE_FORMAT: &str = "nats-kv-playground-state/v1";

/// The most the playground keeps in browser storage, in bytes of JSON.
pub const MAX_SAVED: usize = 4 << 20;

/// Serialises the state to keep; `None` when it is too large to keep. The transcript keeps its newest
/// `KEPT_LINES` lines.
pub fn save_state(
    e: &Engine,
    history: &[String],
    clock_offset: Nanos,
    transcript: &[(String, String)],
) -> Option<String> {
    // The JSON (values in base64) is larger than the buckets' stored bytes: skip serialising what cannot fit.
    let stored: u64 = e.bucket_names().iter().filter_map(|b| e.view().status(b).ok()).map(|s| s.bytes).sum();
    if stored > MAX_SAVED as u64 {
        return None;
    }
    let keep: Vec<String> = history.iter().rev().take(500).rev().cloned().collect();
    let lines: Vec<(String, String)> = transcript
        .iter()
        .rev()
        .take(KEPT_LINES)
        .rev()
        .map(|(k, t)| (k.clone(), t.chars().take(KEPT_LINE_CHARS).collect()))
        .collect();
    let s = serde_json::to_string(&SavedState {
        format: STATE_FORMAT.into(),
        export: export(e),
        history: keep,
        clock_offset: clock_offset.max(0),
        transcript: lines,
    })
    .ok()?;
    (s.len() <= MAX_SAVED).then_some(s)
}

/// Reads kept state back at real time `real` (the clock's kept offset is added), or says why it cannot (then
/// the caller sets the data aside and starts empty).
pub fn load_state(raw: &str, real: Nanos) -> Result<Restored, String> {
    // The format first (other fields ignored), then the whole: read straight from the text, without a
    // `serde_json::Value` in between (which would link a second deserialiser into the first load).
    #[derive(Deserialize)]
    struct Format {
        #[serde(default)]
        format: String,
    }
    let f: Format = serde_json::from_str(raw).map_err(|e| format!("the saved state is not valid JSON ({e})"))?;
    if f.format != STATE_FORMAT {
        return Err(format!("the saved state has format {:?}, which this version does not read", f.format));
    }
    let s: SavedState = serde_json::from_str(raw).map_err(|e| format!("the saved state is damaged ({e})"))?;
    let clock_offset = s.clock_offset.clamp(0, 100 * 365 * 86_400 * 1_000_000_000);
    let engine = engine_from(&s.export, real.saturating_add(clock_offset))?;
    Ok(Restored { engine, history: s.history, clock_offset, transcript: s.transcript })
}

/// Reads an export for an import, and names its buckets that `current` already has.
pub fn read_import(json: &str, current: &Engine) -> Result<(Export, Vec<String>), String> {
    let x: Export = serde_json::from_str(json).map_err(|e| format!("not a playground export: {e}"))?;
    // Validate the file completely before anyone is asked anything.
    engine_from(&x, current.now())?;
    let have = current.bucket_names();
    let clashes = x.buckets.iter().map(|b| b.config.bucket.clone()).filter(|b| have.contains(b)).collect();
    Ok((x, clashes))
}

/// The buckets of `current` and of an import together; a bucket of the same name comes from the import.
pub fn merge_import(current: &Engine, incoming: &Export, now: Nanos) -> Result<Engine, String> {
    let mut all = export(current);
    all.buckets.retain(|b| !incoming.buckets.iter().any(|i| i.config.bucket == b.config.bucket));
    all.buckets.extend(incoming.buckets.iter().cloned());
    all.now = all.now.max(incoming.now);
    engine_from(&all, now)
}

#[cfg(test)]
mod state_tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC as S;

    #[test]
    fn an_import_joins_the_session_and_names_the_buckets_it_would_replace() {
        let mut here = crate::server::Standalone::embedded(0);
        here.create_bucket(&Config::new("mine")).unwrap();
        here.create_bucket(&Config::new("both")).unwrap();
        here.put("both", "k", b"here").unwrap();
        let mut there = crate::server::Standalone::embedded(0);
        there.create_bucket(&Config::new("both")).unwrap();
        there.put("both", "k", b"there").unwrap();
        there.create_bucket(&Config::new("theirs")).unwrap();
        let json = serde_json::to_string(&export(&there)).unwrap();
        let (x, clashes) = read_import(&json, &here).unwrap();
        assert_eq!(clashes, vec!["both".to_string()]);
        let mut merged = crate::server::Standalone::from(merge_import(&here, &x, 0).unwrap());
        assert_eq!(merged.engine.bucket_names(), vec!["both".to_string(), "mine".to_string(), "theirs".to_string()]);
        assert_eq!(merged.get("both", "k").unwrap().value, b"there");
        assert!(read_import("{", &here).unwrap_err().starts_with("not a playground export"));
    }

    #[test]
    fn saved_state_round_trips_and_damage_is_reported() {
        let mut e = crate::server::Standalone::embedded(0);
        e.create_bucket(&Config::new("b")).unwrap();
        e.put("b", "k", b"v").unwrap();
        let lines = vec![("input".to_string(), "$ nats kv add b".to_string()); KEPT_LINES + 5];
        let raw = save_state(&e, &["nats kv add b".into(), "nats kv put b k v".into()], 90 * S, &lines).unwrap();
        let back = load_state(&raw, 0).unwrap();
        assert_eq!(back.engine.view().get("b", "k").unwrap().value, b"v");
        assert_eq!(back.history.len(), 2);
        assert_eq!(back.clock_offset, 90 * S, "the clock's fast-forwards survive a reload");
        assert_eq!(back.engine.now(), 90 * S + 1, "ages and TTLs read at the moved clock");
        assert_eq!(back.transcript.len(), KEPT_LINES, "the transcript is bounded");
        // State kept before the clock and the transcript were kept still loads.
        let old = raw.split(",\"clock_offset\"").next().unwrap().to_string() + "}";
        assert_eq!(load_state(&old, 0).unwrap().clock_offset, 0);
        assert!(load_state(&raw[..raw.len() - 5], 0).unwrap_err().contains("not valid JSON"));
        assert!(load_state("{\"format\":\"nats-kv-playground-state/v0\"}", 0).unwrap_err().contains("does not read"));
        assert!(load_state(&raw.replace("\"history\":[", "\"history\":[1,"), 0).unwrap_err().contains("damaged"));
        let mut big = crate::server::Standalone::embedded(0);
        let mut c = Config::new("big");
        c.history = 64;
        big.create_bucket(&c).unwrap();
        for i in 0..5 {
            big.put("big", &format!("k{i}"), &vec![b'x'; 1 << 20]).unwrap();
        }
        assert_eq!(save_state(&big, &[], 0, &[]), None, "too large to keep");
    }
}
