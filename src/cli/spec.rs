//! The `nats` commands the playground understands: their arguments, flags and help texts, as the CLI declares them.

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
pub struct GroupSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
}

pub const GROUPS: &[GroupSpec] = &[
    GroupSpec { name: "account", aliases: &["a"], help: "Account information and status" },
    GroupSpec {
        name: "kv",
        aliases: &[],
        help: "Interacts with a JetStream based Key-Value store\n\nThe JetStream Key-Value store uses streams to store key-value pairs\nfor an indefinite period or a per-bucket configured TTL.",
    },
];

const fn arg(name: &'static str, help: &'static str, required: bool) -> ArgSpec {
    ArgSpec { name, help, required, default: None }
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
    [flag("no-mirror", "Removes mirror configuration from a bucket", FlagKind::Bool { negatable: false })]
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
    },
    CommandSpec {
        group: "kv",
        name: "add",
        aliases: &["new"],
        help: "Adds a new KV Store Bucket",
        args: &[BUCKET],
        flags: ADD_FLAGS,
    },
    CommandSpec {
        group: "kv",
        name: "edit",
        aliases: &[],
        help: "Edits an existing KV Store Bucket",
        args: &[BUCKET],
        flags: EDIT_FLAGS,
    },
    CommandSpec {
        group: "kv",
        name: "put",
        aliases: &[],
        help: "Puts a value into a key",
        args: &[BUCKET, KEY, arg("value", "The value to store, when empty reads STDIN", false)],
        flags: &[],
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
    },
    CommandSpec {
        group: "kv",
        name: "create",
        aliases: &[],
        help: "Puts a value into a key only if the key is new or it's last operation was a delete",
        args: &[BUCKET, KEY, arg("value", "The value to store, when empty reads STDIN", false)],
        flags: &[ph(flag("ttl", "Sets a TTL for the key", FlagKind::Duration), "DURATION")],
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
            arg("revision", "The revision of the previous value in the bucket", true),
        ],
        flags: &[],
    },
    CommandSpec {
        group: "kv",
        name: "del",
        aliases: &["rm"],
        help: "Deletes a key or the entire bucket",
        args: &[BUCKET, arg("key", "The key to act on", false)],
        flags: &[FORCE],
    },
    CommandSpec {
        group: "kv",
        name: "purge",
        aliases: &[],
        help: "Deletes a key from the bucket, clearing history before creating a delete marker",
        args: &[BUCKET, KEY],
        flags: &[FORCE, ph(flag("ttl", "Sets a TTL for the purge marker", FlagKind::Duration), "DURATION")],
    },
    CommandSpec {
        group: "kv",
        name: "history",
        aliases: &[],
        help: "Shows the full history for a key",
        args: &[BUCKET, KEY],
        flags: &[],
    },
    CommandSpec {
        group: "kv",
        name: "revert",
        aliases: &[],
        help: "Reverts a value to a previous revision using put",
        args: &[BUCKET, KEY, arg("revision", "The revision to revert to", true)],
        flags: &[flag("force", "Force reverting without prompting", FlagKind::Bool { negatable: true })],
    },
    CommandSpec {
        group: "kv",
        name: "info",
        aliases: &["view", "status"],
        help: "View the status of a KV store",
        args: &[arg("bucket", "The bucket to act on", false)],
        flags: &[],
    },
    CommandSpec {
        group: "kv",
        name: "watch",
        aliases: &[],
        help: "Watch the bucket or a specific key for updated",
        args: &[BUCKET, ArgSpec { name: "key", help: "The key to act on", required: false, default: Some(">") }],
        flags: &[
            flag("history", "Includes historic values", FlagKind::Bool { negatable: false }),
            dflt(flag("deletes", "Includes deletes in watched values", FlagKind::Bool { negatable: true }), "true"),
            flag("updates", "Only show new values written", FlagKind::Bool { negatable: false }),
            flag("revision", "Starts from a certain revision", FlagKind::Uint),
        ],
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
    },
    CommandSpec {
        group: "kv",
        name: "compact",
        aliases: &[],
        help: "Reclaim space used by deleted keys",
        args: &[BUCKET],
        flags: &[FORCE],
    },
];

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
