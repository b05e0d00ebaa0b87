//! A client's CONNECT read as nats-server reads it: Go's JSON decoder into the client's options, over the options
//! a connection starts with (verbose, pedantic, echo) or those an earlier CONNECT left; field names matched
//! regardless of case, `null` leaving a field as it was, unknown fields ignored, and any value of the wrong type
//! (or text that is not one JSON value) refusing the whole CONNECT, which closes the connection without a word.

use serde_json::Value;

/// The options a client's CONNECT sets (nats-server's `ClientOpts`). Its texts are kept in one array (`USER`,
/// `PASS`, ...), so a connection costs the page's modules one loop to drop rather than a drop per field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOpts {
    pub echo: bool,
    pub verbose: bool,
    pub pedantic: bool,
    pub headers: bool,
    pub no_responders: bool,
    pub new_account: bool,
    pub protocol: i64,
    pub text: [String; 6],
}

/// The texts a CONNECT sets, by their JSON names, in `ClientOpts::text`'s order.
const TEXTS: [&str; 6] = ["user", "pass", "auth_token", "lang", "version", "account"];
pub const USER: usize = 0;
pub const PASS: usize = 1;
pub const TOKEN: usize = 2;
pub const LANG: usize = 3;
pub const VERSION: usize = 4;
pub const ACCOUNT: usize = 5;

impl Default for ClientOpts {
    /// A connection's options before any CONNECT: nats-server's defaults, verbose and pedantic included.
    fn default() -> ClientOpts {
        ClientOpts {
            echo: true,
            verbose: true,
            pedantic: true,
            headers: false,
            no_responders: false,
            new_account: false,
            protocol: 0,
            text: Default::default(),
        }
    }
}

/// The fields Go's decoder knows, by their JSON names; those the playground has no use for are still checked.
const FIELDS: [&str; 21] = [
    "echo",
    "verbose",
    "pedantic",
    "tls_required",
    "nkey",
    "jwt",
    "sig",
    "auth_token",
    "user",
    "pass",
    "name",
    "lang",
    "version",
    "protocol",
    "account",
    "new_account",
    "headers",
    "no_responders",
    "import",
    "export",
    "remote_account",
];

impl ClientOpts {
    /// Reads a CONNECT's argument into these options; `Err` where nats-server's decoder fails (the fields read
    /// before the failure stay set, as Go's do, but the connection is closed anyway).
    pub fn read(&mut self, arg: &[u8]) -> Result<(), ()> {
        // Go's decoder reads bytes that are not UTF-8, and escapes of half a surrogate pair, as U+FFFD.
        let text = String::from_utf8_lossy(arg);
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) if text.contains("\\u") => serde_json::from_str(&lone_surrogates_replaced(&text)).map_err(|_| ())?,
            Err(_) => return Err(()),
        };
        let fields = match v {
            Value::Null => return Ok(()),
            Value::Object(m) => m,
            _ => return Err(()),
        };
        let mut result = Ok(());
        for (key, value) in fields {
            // An exact name first, then one that differs only in case.
            let Some(name) =
                FIELDS.iter().find(|f| **f == key).or_else(|| FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&key)))
            else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let ok = match *name {
                "import" | "export" => value.is_object(),
                "protocol" => value.as_i64().map(|p| self.protocol = p).is_some(),
                "echo" | "verbose" | "pedantic" | "tls_required" | "new_account" | "headers" | "no_responders" => {
                    let Some(b) = value.as_bool() else {
                        result = Err(());
                        continue;
                    };
                    match *name {
                        "echo" => self.echo = b,
                        "verbose" => self.verbose = b,
                        "pedantic" => self.pedantic = b,
                        "new_account" => self.new_account = b,
                        "headers" => self.headers = b,
                        "no_responders" => self.no_responders = b,
                        _ => {}
                    }
                    true
                }
                _ => {
                    let Value::String(s) = value else {
                        result = Err(());
                        continue;
                    };
                    if let Some(i) = TEXTS.iter().position(|t| t == name) {
                        self.text[i] = s;
                    }
                    true
                }
            };
            if !ok {
                result = Err(());
            }
        }
        result
    }
}

/// `\\uD800` to `\\uDFFF` escapes turned into U+FFFD's (Go's reading of a surrogate without its pair).
fn lone_surrogates_replaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\\u") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let hex = tail.get(2..6).and_then(|h| u16::from_str_radix(h, 16).ok());
        if hex.is_some_and(|h| (0xD800..=0xDFFF).contains(&h)) {
            out.push_str("\\ufffd");
            rest = &tail[6..];
        } else {
            out.push_str("\\u");
            rest = &tail[2..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<ClientOpts, ()> {
        let mut o = ClientOpts::default();
        o.read(text.as_bytes()).map(|_| o)
    }

    #[test]
    fn connect_is_read_as_gos_decoder_reads_it() {
        let o = read(r#"{"VERBOSE":false,"Pedantic":null,"lang":"go","protocol":1,"unknown":[1]}"#).unwrap();
        assert!(!o.verbose && o.pedantic && o.echo);
        assert_eq!((o.text[LANG].as_str(), o.protocol), ("go", 1));
        assert_eq!(read(" null "), Ok(ClientOpts::default()));
        assert_eq!(read(r#"{"lang":"\u0000\ud800"}"#).map(|o| o.text[LANG].clone()), Ok("\0\u{fffd}".to_string()));
        for bad in ["", "[]", "\"x\"", "{} {}", "{", r#"{"verbose":"no"}"#, r#"{"protocol":1.5}"#, r#"{"name":5}"#] {
            assert_eq!(read(bad), Err(()), "{bad}");
        }
        let mut o = ClientOpts::default();
        o.read(br#"{"verbose":false}"#).unwrap();
        o.read(br#"{"pedantic":false}"#).unwrap();
        assert!(!o.verbose && !o.pedantic, "a second CONNECT reads over the first");
    }
}
