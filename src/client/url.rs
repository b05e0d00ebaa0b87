//! Server addresses as a learner types them (`ws://127.0.0.1:8080`, `nats://user:pass@host:4222`, `token@host`),
//! checked before anything is dialled so a wrong address gets a sentence, not a stack of socket errors.

use std::fmt;

/// How to reach the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// The NATS protocol over TCP (`nats://`, native builds only).
    Nats,
    /// The server's WebSocket listener (`ws://`).
    Ws,
    /// The WebSocket listener behind TLS (`wss://`).
    Wss,
}

/// The credentials a connection presents.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    UserPass(String, String),
    Token(String),
    /// An nkey seed (`SU...`): the client signs the server's nonce with it.
    NKey(String),
    /// A `.creds` file's user JWT and nkey seed.
    Creds {
        jwt: String,
        seed: String,
    },
}

impl fmt::Debug for Auth {
    // Never print secrets, not even in a debug dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::UserPass(..) => "Auth::UserPass(..)",
            Auth::Token(_) => "Auth::Token(..)",
            Auth::NKey(_) => "Auth::NKey(..)",
            Auth::Creds { .. } => "Auth::Creds(..)",
        })
    }
}

/// A parsed server address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
    /// The path for WebSocket URLs (usually `/`).
    pub path: String,
    pub auth: Auth,
}

impl ServerUrl {
    /// Parses an address. A missing scheme means `nats://`; missing ports are 4222 (nats), 80 (ws), 443 (wss).
    pub fn parse(text: &str) -> Result<ServerUrl, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("no server address given (for example ws://127.0.0.1:8080)".into());
        }
        let (scheme, rest) = match t.split_once("://") {
            Some((s, r)) => match s.to_ascii_lowercase().as_str() {
                "nats" | "tcp" => (Scheme::Nats, r),
                "ws" => (Scheme::Ws, r),
                "wss" => (Scheme::Wss, r),
                "tls" => return Err("tls:// needs a TLS connection, which this client makes only as wss://".into()),
                "http" | "https" => {
                    return Err(format!(
                        "{s}:// is a web address; a NATS server's WebSocket listener is reached as ws:// (or wss://)"
                    ))
                }
                other => return Err(format!("unknown scheme {other}:// (use ws://, wss:// or nats://)")),
            },
            None => (Scheme::Nats, t),
        };
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (auth, hostport) = match hostport.rsplit_once('@') {
            Some((a, h)) => {
                let a = percent_decode(a);
                let auth = match a.split_once(':') {
                    Some((u, p)) => Auth::UserPass(u.to_string(), p.to_string()),
                    None => Auth::Token(a),
                };
                (auth, h)
            }
            None => (Auth::None, hostport),
        };
        let default_port = match scheme {
            Scheme::Nats => 4222,
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| format!("unclosed [ in {hostport}"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => parse_port(p)?,
                None if after.is_empty() => default_port,
                None => return Err(format!("unexpected {after} after the address")),
            };
            (format!("[{h}]"), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), parse_port(p)?),
                None => (hostport.to_string(), default_port),
            }
        };
        if host.is_empty() {
            return Err(format!("no host in {t}"));
        }
        if host.chars().any(|c| c.is_whitespace() || c == '/' || c == '?' || c == '#') {
            return Err(format!("{host} is not a host name"));
        }
        Ok(ServerUrl { scheme, host, port, path, auth })
    }

    /// The address without credentials, as shown to the learner.
    pub fn display(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Nats => "nats",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        };
        let path = if self.scheme == Scheme::Nats || self.path == "/" { "" } else { self.path.as_str() };
        format!("{scheme}://{}:{}{path}", self.host, self.port)
    }

    /// `host:port`, for dialling.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("{p} is not a port number (1-65535)")),
        Ok(n) => Ok(n),
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a `.creds` file: the user JWT and the nkey seed between their BEGIN/END lines.
pub fn parse_creds(text: &str) -> Result<Auth, String> {
    fn block(text: &str, what: &str) -> Option<String> {
        let mut inside = false;
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with("-----BEGIN") && l.contains(what) {
                inside = true;
                continue;
            }
            if inside && !l.is_empty() && !l.starts_with("---") {
                return Some(l.to_string());
            }
        }
        None
    }
    let jwt = block(text, "JWT").ok_or("no user JWT in the creds file (-----BEGIN NATS USER JWT----- ...)")?;
    let seed = block(text, "SEED").ok_or("no nkey seed in the creds file (-----BEGIN USER NKEY SEED----- ...)")?;
    if !seed.starts_with("SU") {
        return Err("the creds file's seed is not a user nkey seed (it starts with SU)".into());
    }
    Ok(Auth::Creds { jwt, seed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_defaults_and_credentials() {
        let u = ServerUrl::parse("ws://127.0.0.1:8080").unwrap();
        assert_eq!((u.scheme, u.host.as_str(), u.port, u.path.as_str()), (Scheme::Ws, "127.0.0.1", 8080, "/"));
        assert_eq!(u.auth, Auth::None);
        let u = ServerUrl::parse("nats://learner:s%40cret@localhost").unwrap();
        assert_eq!((u.scheme, u.port), (Scheme::Nats, 4222));
        assert_eq!(u.auth, Auth::UserPass("learner".into(), "s@cret".into()));
        assert_eq!(u.display(), "nats://localhost:4222");
        let u = ServerUrl::parse("t0ken@demo.example:4333").unwrap();
        assert_eq!(u.auth, Auth::Token("t0ken".into()));
        let u = ServerUrl::parse("wss://[::1]/nats").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("[::1]", 443, "/nats"));
        assert_eq!(u.display(), "wss://[::1]:443/nats");
    }

    #[test]
    fn wrong_addresses_get_a_sentence() {
        for (bad, says) in [
            ("", "no server address"),
            ("http://127.0.0.1:8080", "ws://"),
            ("ws://127.0.0.1:99999", "not a port"),
            ("ws://:8080", "no host"),
            ("ftp://x", "unknown scheme"),
            ("ws://[::1", "unclosed"),
        ] {
            let e = ServerUrl::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn creds_files_give_the_jwt_and_the_seed_and_hide_them_in_debug() {
        let creds = "-----BEGIN NATS USER JWT-----\neyJhbGc.payload.sig\n------END NATS USER JWT------\n\n\
            ************************* IMPORTANT *************************\n\
            -----BEGIN USER NKEY SEED-----\nSUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4\n\
            ------END USER NKEY SEED------\n";
        let a = parse_creds(creds).unwrap();
        assert_eq!(
            a,
            Auth::Creds {
                jwt: "eyJhbGc.payload.sig".into(),
                seed: "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4".into()
            }
        );
        assert_eq!(format!("{a:?}"), "Auth::Creds(..)");
        assert!(parse_creds("nothing here").is_err());
    }
}
