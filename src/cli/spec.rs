//! The `nats` commands the playground understands: their arguments, flags and help texts, as the CLI declares them
//! (natscli v0.4.0 `cli/kv_command.go`, `cli/account_command.go`, and the global flags of `nats/main.go`).

/// How a flag takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    /// A boolean; `negatable` ones also accept `--no-NAME`.
    Bool {
        negatable: bool,
    },
    String,
    /// A duration in the CLI's syntax ("10s", "1h", "2d").
    Duration,
    Uint,
    /// An integer within an inclusive range.
    IntRange(i64, i64),
    Enum(&'static [&'static str]),
    /// May be given several times.
    Strings,
    /// `KEY=VALUE`, may be given several times.
    Map,
}

#[derive(Clone, Copy, Debug)]
pub struct FlagSpec {
    pub name: &'static str,
    pub short: Option<char>,
    pub help: &'static str,
    pub kind: FlagKind,
    pub placeholder: Option<&'static str>,
    pub default: Option<&'static str>,
}

#[derive(Clone, Copy, Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub help: &'static str,
    pub required: bool,
    pub default: Option<&'static str>,
    /// A `Uint64Var` argument (a revision): its value must parse as fisk parses unsigned numbers.
    pub uint: bool,
}

/// One leaf command, such as `kv put`.
#[derive(Clone, Copy, Debug)]
pub struct CommandSpec {
    /// The group: "kv" or "account".
    pub group: &'static str,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
    pub args: &'static [ArgSpec],
    pub flags: &'static [FlagSpec],
    /// False for the commands the CLI has that the playground lists but cannot run (they need a real server's
    /// monitoring or a file system): the parser accepts any words after them and the command explains.
    pub available: bool,
}

impl CommandSpec {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.group, self.name)
    }
    pub fn flag(&self, name: &str) -> Option<&FlagSpec> {
        self.flags.iter().find(|f| f.name == name)
    }
}

/// A command group such as `kv`.
#[derive(Debug)]
pub struct GroupSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
}

/// The application's own help text (natscli `nats/main.go`).
pub const APP_HELP: &str =
    "NATS Utility\n\nNATS Server and JetStream administration.\n\nSee 'nats cheat' for a quick cheatsheet of commands";

pub const GROUPS: &[GroupSpec] = &[
    GroupSpec { name: "account", aliases: &["a"], help: "Account information and status" },
    GroupSpec {
        name: "kv",
        aliases: &[],
        help: "Interacts with a JetStream based Key-Value store\n\nThe JetStream Key-Value store uses streams to store key-value pairs\nfor an indefinite period or a per-bucket configured TTL.\n",
    },
];

/// A global flag: accepted before or after the command, as natscli's `nats/main.go` declares them (in that order,
/// hidden ones and the Windows certificate store ones left out). `envar` is the environment variable fisk names
/// after the help text.
#[derive(Clone, Copy, Debug)]
pub struct GlobalFlag {
    pub flag: FlagSpec,
    pub envar: Option<&'static str>,
}

const fn global(f: FlagSpec, envar: Option<&'static str>) -> GlobalFlag {
    GlobalFlag { flag: f, envar }
}

const UNNEG: FlagKind = FlagKind::Bool { negatable: false };

/// The `--colors` schemes (natscli `internal/util/tables.go` `ValidStyles`, sorted).
pub const COLOR_SCHEMES: &[&str] = &["blue", "cyan", "double", "green", "magenta", "red", "rounded", "yellow"];

pub const GLOBAL_FLAGS: &[GlobalFlag] = &[
    global(short(flag("help", "Show context-sensitive help", UNNEG), 'h'), None),
    global(flag("version", "Show application version.", UNNEG), None),
    global(short(ph(flag("server", "NATS server urls", FlagKind::String), "URL"), 's'), Some("NATS_URL")),
    global(ph(flag("user", "Username or Token", FlagKind::String), "USER"), Some("NATS_USER")),
    global(ph(flag("password", "Password", FlagKind::String), "PASSWORD"), Some("NATS_PASSWORD")),
    global(ph(flag("token", "Token", FlagKind::String), "TOKEN"), Some("NATS_TOKEN")),
    global(
        ph(flag("connection-name", "Nickname to use for the underlying NATS Connection", FlagKind::String), "NAME"),
        None,
    ),
    global(ph(flag("creds", "User credentials", FlagKind::String), "FILE"), Some("NATS_CREDS")),
    global(ph(flag("nkey", "User NKEY", FlagKind::String), "FILE"), Some("NATS_NKEY")),
    global(ph(flag("jwt", "User JWT", FlagKind::String), "JWT"), Some("NATS_JWT")),
    global(ph(flag("seed", "User seed", FlagKind::String), "SEED"), Some("NATS_SEED")),
    global(ph(flag("tlscert", "TLS public certificate", FlagKind::String), "FILE"), Some("NATS_CERT")),
    global(ph(flag("tlskey", "TLS private key", FlagKind::String), "FILE"), Some("NATS_KEY")),
    global(ph(flag("tlsca", "TLS certificate authority chain", FlagKind::String), "FILE"), Some("NATS_CA")),
    global(
        flag(
            "tlsfirst",
            "Perform TLS handshake before expecting the server greeting",
            FlagKind::Bool { negatable: true },
        ),
        None,
    ),
    global(
        dflt(flag("timeout", "Time to wait on responses from NATS", FlagKind::Duration), "5s"),
        Some("NATS_TIMEOUT"),
    ),
    global(
        ph(flag("socks-proxy", "SOCKS5 proxy for connecting to NATS server", FlagKind::String), "PROXY"),
        Some("NATS_SOCKS_PROXY"),
    ),
    global(ph(flag("js-api-prefix", "Subject prefix for access to JetStream API", FlagKind::String), "PREFIX"), None),
    global(
        ph(flag("js-event-prefix", "Subject prefix for access to JetStream Advisories", FlagKind::String), "PREFIX"),
        None,
    ),
    global(ph(flag("js-domain", "JetStream domain to access", FlagKind::String), "DOMAIN"), None),
    global(ph(flag("inbox-prefix", "Custom inbox prefix to use for inboxes", FlagKind::String), "PREFIX"), None),
    global(
        ph(flag("colors", "Sets a color scheme to use", FlagKind::Enum(COLOR_SCHEMES)), "SCHEME"),
        Some("NATS_COLOR"),
    ),
    global(ph(flag("context", "Configuration context", FlagKind::String), "NAME"), Some("NATS_CONTEXT")),
    global(flag("trace", "Trace API interactions", UNNEG), None),
    global(flag("no-context", "Disable the selected context", UNNEG), None),
];

/// Finds a global flag by its long name.
pub fn global_flag(name: &str) -> Option<&'static FlagSpec> {
    GLOBAL_FLAGS.iter().map(|g| &g.flag).find(|f| f.name == name)
}

const fn arg(name: &'static str, help: &'static str, required: bool) -> ArgSpec {
    ArgSpec { name, help, required, default: None, uint: false }
}

const fn uint_arg(name: &'static str, help: &'static str) -> ArgSpec {
    ArgSpec { name, help, required: true, default: None, uint: true }
}

const fn flag(name: &'static str, help: &'static str, kind: FlagKind) -> FlagSpec {
    FlagSpec { name, short: None, help, kind, placeholder: None, default: None }
}

const fn ph(mut f: FlagSpec, p: &'static str) -> FlagSpec {
    f.placeholder = Some(p);
    f
}

const fn short(mut f: FlagSpec, c: char) -> FlagSpec {
    f.short = Some(c);
    f
}

const fn dflt(mut f: FlagSpec, d: &'static str) -> FlagSpec {
    f.default = Some(d);
    f
}

const BUCKET: ArgSpec = arg("bucket", "The bucket to act on", true);
const KEY: ArgSpec = arg("key", "The key to act on", true);
const FORCE: FlagSpec = short(flag("force", "Act without confirmation", FlagKind::Bool { negatable: false }), 'f');

/// The flags `kv add` and `kv edit` share, in the CLI's order; `add` also has `--storage` (after `--history`)
/// and the mirror flags, `edit` has `--no-mirror` in their place.
macro_rules! bucket_flags {
    ([$($storage:expr),*], [$($mirror:expr),*]) => {
        &[
            flag("description", "A description for the bucket", FlagKind::String),
            dflt(flag("history", "How many historic values to keep per key", FlagKind::IntRange(1, 64)), "1"),
            $($storage,)*
            ph(flag("ttl", "How long to keep values for", FlagKind::Duration), "DURATION"),
            ph(flag("marker-ttl", "Enables Per-Key TTLs and Limit Markers", FlagKind::Duration), "DURATION"),
            dflt(flag("replicas", "How many replicas of the data to store", FlagKind::Uint), "1"),
            ph(flag("max-value-size", "Maximum size for any single value", FlagKind::String), "BYTES"),
            ph(flag("max-bucket-size", "Maximum size for the bucket", FlagKind::String), "BYTES"),
            flag("tags", "Place the bucket on servers that has specific tags", FlagKind::Strings),
            flag("cluster", "Place the bucket on a specific cluster", FlagKind::String),
            flag("compress", "Compress the bucket data", FlagKind::Bool { negatable: true }),
            ph(flag("metadata", "Adds metadata to the stream", FlagKind::Map), "META"),
            ph(flag("republish-source", "Republish messages to --republish-destination", FlagKind::String), "SRC"),
            ph(
                flag("republish-destination", "Republish destination for messages in --republish-source", FlagKind::String),
                "DEST",
            ),
            flag("republish-headers", "Republish only message headers, no bodies", FlagKind::Bool { negatable: false }),
            $($mirror,)*
            ph(flag("source", "Source from a different bucket", FlagKind::Strings), "BUCKET"),
        ]
    };
}

const ADD_FLAGS: &[FlagSpec] = bucket_flags!(
    [flag("storage", "Storage backend to use (file, memory)", FlagKind::Enum(&["file", "f", "memory", "m"]))],
    [
        flag("mirror", "Creates a mirror of a different bucket", FlagKind::String),
        flag("mirror-domain", "When mirroring find the bucket in a different domain", FlagKind::String)
    ]
);

const EDIT_FLAGS: &[FlagSpec] = bucket_flags!(
    [],
    [flag("no-mirror", "Removes mirror configuration from a bucket", FlagKind::Bool { negatable: true })]
);

/// Every leaf command, in the order `nats kv --help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        group: "account",
        name: "info",
        aliases: &["nfo"],
        help: "Account information",
        args: &[],
        flags: &[],
        available: true,
    },
    unavailable("account", "report", &["rep"], "Report on account metrics"),
    unavailable("account", "backup", &["snapshot"], "Creates a backup of all  JetStream Streams over the NATS network"),
    unavailable("account", "restore", &[], "Restore an account backup over the NATS network"),
    unavailable("account", "tls", &[], "Report TLS chain for connected server"),
    CommandSpec {
        group: "kv",
        name: "add",
        aliases: &["new"],
        help: "Adds a new KV Store Bucket",
        args: &[BUCKET],
        flags: ADD_FLAGS,
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "edit",
        aliases: &[],
        help: "Edits an existing KV Store Bucket",
        args: &[BUCKET],
        flags: EDIT_FLAGS,
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "put",
        aliases: &[],
        help: "Puts a value into a key",
        args: &[BUCKET, KEY, arg("value", "The value to store, when empty reads STDIN", false)],
        flags: &[],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "get",
        aliases: &[],
        help: "Gets a value for a key",
        args: &[BUCKET, KEY],
        flags: &[
            flag("revision", "Gets a specific revision", FlagKind::Uint),
            flag("raw", "Show only the value string", FlagKind::Bool { negatable: false }),
        ],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "create",
        aliases: &[],
        help: "Puts a value into a key only if the key is new or it's last operation was a delete",
        args: &[BUCKET, KEY, arg("value", "The value to store, when empty reads STDIN", false)],
        flags: &[ph(flag("ttl", "Sets a TTL for the key", FlagKind::Duration), "DURATION")],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "update",
        aliases: &[],
        help: "Updates a key with a new value if the previous value matches the given revision",
        args: &[
            BUCKET,
            KEY,
            arg("value", "The value to store", true),
            uint_arg("revision", "The revision of the previous value in the bucket"),
        ],
        flags: &[],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "del",
        aliases: &["rm"],
        help: "Deletes a key or the entire bucket",
        args: &[BUCKET, arg("key", "The key to act on", false)],
        flags: &[FORCE],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "purge",
        aliases: &[],
        help: "Deletes a key from the bucket, clearing history before creating a delete marker",
        args: &[BUCKET, KEY],
        flags: &[FORCE, ph(flag("ttl", "Sets a TTL for the purge marker", FlagKind::Duration), "DURATION")],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "history",
        aliases: &[],
        help: "Shows the full history for a key",
        args: &[BUCKET, KEY],
        flags: &[],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "revert",
        aliases: &[],
        help: "Reverts a value to a previous revision using put",
        args: &[BUCKET, KEY, uint_arg("revision", "The revision to revert to")],
        flags: &[flag("force", "Force reverting without prompting", FlagKind::Bool { negatable: true })],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "info",
        aliases: &["view", "status"],
        help: "View the status of a KV store",
        args: &[arg("bucket", "The bucket to act on", false)],
        flags: &[],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "watch",
        aliases: &[],
        help: "Watch the bucket or a specific key for updated",
        args: &[
            BUCKET,
            ArgSpec { name: "key", help: "The key to act on", required: false, default: Some(">"), uint: false },
        ],
        flags: &[
            flag("history", "Includes historic values", FlagKind::Bool { negatable: false }),
            dflt(flag("deletes", "Includes deletes in watched values", FlagKind::Bool { negatable: true }), "true"),
            flag("updates", "Only show new values written", FlagKind::Bool { negatable: false }),
            flag("revision", "Starts from a certain revision", FlagKind::Uint),
        ],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "ls",
        aliases: &["list"],
        help: "List available buckets or the keys in a bucket",
        args: &[arg("bucket", "The bucket to list the keys", false), arg("key", "The key to act on", false)],
        flags: &[
            short(flag("names", "Show just the bucket names", FlagKind::Bool { negatable: false }), 'n'),
            short(flag("verbose", "Show detailed info about the key", FlagKind::Bool { negatable: false }), 'v'),
            flag(
                "display-value",
                "Display value in verbose output (has no effect without 'verbose')",
                FlagKind::Bool { negatable: false },
            ),
        ],
        available: true,
    },
    CommandSpec {
        group: "kv",
        name: "compact",
        aliases: &[],
        help: "Reclaim space used by deleted keys",
        args: &[BUCKET],
        flags: &[FORCE],
        available: true,
    },
];

/// A command of the CLI's that the playground names in help but cannot run.
const fn unavailable(
    group: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    help: &'static str,
) -> CommandSpec {
    CommandSpec { group, name, aliases, help, args: &[], flags: &[], available: false }
}

/// Finds a group by name or alias.
pub fn group(name: &str) -> Option<&'static GroupSpec> {
    GROUPS.iter().find(|g| g.name == name || g.aliases.contains(&name))
}

/// Finds a leaf command of a group by name or alias.
pub fn command(group: &str, name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.group == group && (c.name == name || c.aliases.contains(&name)))
}

/// The commands of a group, in declaration order.
pub fn commands_of(group: &str) -> impl Iterator<Item = &'static CommandSpec> + '_ {
    COMMANDS.iter().filter(move |c| c.group == group)
}
