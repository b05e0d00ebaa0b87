//! KV operations as values, so synchronous code (the command language, the lesson runner) can run against an
//! asynchronous connection. `ReplayKv` answers each operation from a journal of finished round trips; the first
//! operation it has no answer for is noted as missing and answered with a placeholder error. The page then performs
//! that operation on the server, adds the answer to the journal, and runs the same code again from a saved state,
//! until a run needs nothing new. Runs are deterministic given the same answers, so the final run is the one that
//! counts, and the command language stays one code path for the engine and the server.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::core::{Client, Dial};
use crate::backend::{ConnectionInfo, KvBackend};
use crate::engine::{AccountInfo, Config, Entry, ErrorKind, KvError, Nanos, Status, WatchEvent, WatchId, WatchOptions};

/// One KV operation with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    AccountInfo,
    CreateBucket(Config),
    UpdateBucket(Config),
    DeleteBucket(String),
    Status(String),
    BucketNames,
    Put(String, String, Vec<u8>),
    Create(String, String, Vec<u8>, Nanos),
    Update(String, String, Vec<u8>, u64),
    Delete(String, String),
    Purge(String, String, Nanos),
    Get(String, String),
    GetRevision(String, String, u64),
    History(String, String),
    Keys(String, Vec<String>),
    Watch(String, Vec<String>, WatchOptions),
    PurgeDeletes(String),
    /// Wait this long (a script's or lesson's `sleep` against a real server).
    Wait(Nanos),
    /// What a watch received since it was last asked.
    PollWatch(WatchId),
}

/// An operation's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Account(Result<AccountInfo, KvError>),
    Status(Result<Status, KvError>),
    Unit(Result<(), KvError>),
    Names(Result<Vec<String>, KvError>),
    Revision(Result<u64, KvError>),
    Entry(Result<Entry, KvError>),
    Entries(Result<Vec<Entry>, KvError>),
    Watch(Result<WatchId, KvError>),
    Events(Vec<WatchEvent>),
}

impl Reply {
    /// The answer an operation gets when it could not reach the server.
    pub fn failed(call: &Call, e: KvError) -> Reply {
        match call {
            Call::AccountInfo => Reply::Account(Err(e)),
            Call::CreateBucket(_) | Call::UpdateBucket(_) | Call::Status(_) => Reply::Status(Err(e)),
            Call::DeleteBucket(_) | Call::PurgeDeletes(_) | Call::Wait(_) => Reply::Unit(Err(e)),
            Call::BucketNames | Call::Keys(..) => Reply::Names(Err(e)),
            Call::Put(..) | Call::Create(..) | Call::Update(..) | Call::Delete(..) | Call::Purge(..) => {
                Reply::Revision(Err(e))
            }
            Call::Get(..) | Call::GetRevision(..) => Reply::Entry(Err(e)),
            Call::History(..) => Reply::Entries(Err(e)),
            Call::Watch(..) => Reply::Watch(Err(e)),
            Call::PollWatch(_) => Reply::Events(Vec::new()),
        }
    }
}

impl<D: Dial> Client<D> {
    /// Performs one operation on the server.
    pub async fn perform(&mut self, call: &Call) -> Reply {
        match call {
            Call::AccountInfo => Reply::Account(self.account_info().await),
            Call::CreateBucket(c) => Reply::Status(self.create_bucket(c).await),
            Call::UpdateBucket(c) => Reply::Status(self.update_bucket(c).await),
            Call::DeleteBucket(b) => Reply::Unit(self.delete_bucket(b).await),
            Call::Status(b) => Reply::Status(self.status(b).await),
            Call::BucketNames => Reply::Names(self.bucket_names().await),
            Call::Put(b, k, v) => Reply::Revision(self.put(b, k, v).await),
            Call::Create(b, k, v, ttl) => Reply::Revision(self.create(b, k, v, *ttl).await),
            Call::Update(b, k, v, r) => Reply::Revision(self.update(b, k, v, *r).await),
            Call::Delete(b, k) => Reply::Revision(self.delete(b, k).await),
            Call::Purge(b, k, ttl) => Reply::Revision(self.purge(b, k, *ttl).await),
            Call::Get(b, k) => Reply::Entry(self.get(b, k).await),
            Call::GetRevision(b, k, r) => Reply::Entry(self.get_revision(b, k, *r).await),
            Call::History(b, k) => Reply::Entries(self.history(b, k).await),
            Call::Keys(b, f) => Reply::Names(self.keys(b, f).await),
            Call::Watch(b, p, o) => Reply::Watch(self.watch(b, p, *o).await),
            Call::PurgeDeletes(b) => Reply::Unit(self.purge_deletes(b).await),
            Call::PollWatch(id) => Reply::Events(self.poll_watch(*id).await),
            Call::Wait(d) => {
                // A little longer than asked: the server's expiry timers fire just after the instant.
                let ms = (*d / 1_000_000).max(0) as u64 + REAL_SLACK_MS;
                self.dialer().pause(ms).await;
                let _ = self.settle().await;
                Reply::Unit(Ok(()))
            }
        }
    }
}

/// How much longer than a `sleep` asks a real server is given before the script goes on. Each sleep waits
/// from when it starts, so the time commands take on the server only adds to the waits, never shortens them.
pub const REAL_SLACK_MS: u64 = 250;

/// How long a session's move to `now` waits on a real server, given the time it last moved to (which is updated):
/// the first move only sets the start, and moving back or staying waits nothing.
pub fn wait_for(last: &mut Option<Nanos>, now: Nanos) -> Option<Nanos> {
    match *last {
        Some(l) if now > l => {
            *last = Some(now);
            Some(now - l)
        }
        Some(_) => None,
        None => {
            *last = Some(now);
            None
        }
    }
}

/// The error a replayed operation gets when the journal has no answer yet. Nothing shows it: the run is
/// thrown away.
fn pending() -> KvError {
    KvError { kind: ErrorKind::Other, message: "nats: error: waiting for the server".into(), api: None }
}

/// A KvBackend that answers from a journal and notes the first operation it cannot answer.
#[derive(Clone)]
pub struct ReplayKv {
    journal: Rc<RefCell<Vec<(Call, Reply)>>>,
    cursor: Rc<Cell<usize>>,
    missing: Rc<RefCell<Option<Call>>>,
    /// Watches the session let go of in a finished run, for the page to stop on the server.
    stops: Rc<RefCell<Vec<WatchId>>>,
    info: Rc<RefCell<ConnectionInfo>>,
    wall: Rc<dyn Fn() -> Nanos>,
    /// The time the session last moved to; not shared, so restoring a saved session restores it.
    last: Cell<Option<Nanos>>,
}

impl ReplayKv {
    pub fn new(info: ConnectionInfo, wall: Rc<dyn Fn() -> Nanos>) -> ReplayKv {
        ReplayKv {
            journal: Rc::default(),
            cursor: Rc::default(),
            missing: Rc::default(),
            stops: Rc::default(),
            info: Rc::new(RefCell::new(info)),
            wall,
            last: Cell::new(None),
        }
    }

    /// Starts a run over these answers.
    pub fn begin(&self, journal: Vec<(Call, Reply)>) {
        *self.journal.borrow_mut() = journal;
        self.cursor.set(0);
        *self.missing.borrow_mut() = None;
    }

    /// The operation the last run needed and did not have.
    pub fn missing(&self) -> Option<Call> {
        self.missing.borrow().clone()
    }

    /// The watches to stop on the server after a finished run.
    pub fn take_stops(&self) -> Vec<WatchId> {
        std::mem::take(&mut *self.stops.borrow_mut())
    }

    pub fn set_info(&self, info: ConnectionInfo) {
        *self.info.borrow_mut() = info;
    }

    fn answer(&self, call: Call) -> Option<Reply> {
        if self.missing.borrow().is_some() {
            return None;
        }
        let i = self.cursor.get();
        let journal = self.journal.borrow();
        match journal.get(i) {
            Some((c, r)) if *c == call => {
                self.cursor.set(i + 1);
                Some(r.clone())
            }
            _ => {
                drop(journal);
                // A call that differs from the journal's would mean the run went another way: drop the rest.
                self.journal.borrow_mut().truncate(i);
                *self.missing.borrow_mut() = Some(call);
                None
            }
        }
    }
}

macro_rules! replay {
    ($self:ident, $call:expr, $variant:ident) => {
        match $self.answer($call) {
            Some(Reply::$variant(r)) => r,
            _ => Err(pending()),
        }
    };
}

impl KvBackend for ReplayKv {
    fn now(&self) -> Nanos {
        (self.wall)()
    }
    /// A real server keeps its own time: moving the clock forward becomes a real wait of the same length.
    fn set_now(&mut self, now: Nanos) {
        let mut last = self.last.get();
        if let Some(d) = wait_for(&mut last, now) {
            let _ = replay!(self, Call::Wait(d), Unit);
        }
        self.last.set(last);
    }
    fn connection_info(&self) -> ConnectionInfo {
        self.info.borrow().clone()
    }
    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        replay!(self, Call::AccountInfo, Account)
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        replay!(self, Call::CreateBucket(cfg.clone()), Status)
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        replay!(self, Call::UpdateBucket(cfg.clone()), Status)
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        replay!(self, Call::DeleteBucket(bucket.into()), Unit)
    }
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        replay!(self, Call::Status(bucket.into()), Status)
    }
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        replay!(self, Call::BucketNames, Names)
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        replay!(self, Call::Put(bucket.into(), key.into(), value.to_vec()), Revision)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        replay!(self, Call::Create(bucket.into(), key.into(), value.to_vec(), ttl), Revision)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        replay!(self, Call::Update(bucket.into(), key.into(), value.to_vec(), revision), Revision)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        replay!(self, Call::Delete(bucket.into(), key.into()), Revision)
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        replay!(self, Call::Purge(bucket.into(), key.into(), ttl), Revision)
    }
    fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        replay!(self, Call::Get(bucket.into(), key.into()), Entry)
    }
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        replay!(self, Call::GetRevision(bucket.into(), key.into(), revision), Entry)
    }
    fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        replay!(self, Call::History(bucket.into(), key.into()), Entries)
    }
    fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        replay!(self, Call::Keys(bucket.into(), filters.to_vec()), Names)
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        replay!(self, Call::Watch(bucket.into(), patterns.to_vec(), options), Watch)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        match self.answer(Call::PollWatch(id)) {
            Some(Reply::Events(evs)) => evs,
            _ => Vec::new(),
        }
    }
    fn stop_watch(&mut self, id: WatchId) {
        if self.missing.borrow().is_none() {
            self.stops.borrow_mut().push(id);
        }
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        replay!(self, Call::PurgeDeletes(bucket.into()), Unit)
    }
}

/// Runs `attempt` until it needs nothing the journal lacks, performing each missing operation with `perform`.
/// `attempt` gets the backend primed with the journal and must leave no trace when the backend reports a missing
/// operation afterwards (callers restore their saved state). Returns the last run's result.
pub async fn drive<T, F, P, Fut>(kv: &ReplayKv, mut attempt: F, mut perform: P) -> T
where
    F: FnMut() -> T,
    P: FnMut(Call) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let mut journal: Vec<(Call, Reply)> = Vec::new();
    loop {
        kv.begin(journal.clone());
        let out = attempt();
        let Some(call) = kv.missing() else { return out };
        let reply = perform(call.clone()).await;
        journal.push((call, reply));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::session::Session;

    /// Performs calls on an engine, standing in for the server.
    fn on_engine(e: &mut Engine, c: &Call) -> Reply {
        match c {
            Call::AccountInfo => Reply::Account(KvBackend::account_info(e)),
            Call::CreateBucket(cfg) => Reply::Status(e.create_bucket(cfg)),
            Call::Status(b) => Reply::Status(e.status(b)),
            Call::BucketNames => Reply::Names(KvBackend::bucket_names(e)),
            Call::Put(b, k, v) => Reply::Revision(e.put(b, k, v)),
            Call::Delete(b, k) => Reply::Revision(e.delete(b, k)),
            Call::Get(b, k) => Reply::Entry(e.get(b, k)),
            Call::History(b, k) => Reply::Entries(e.history(b, k)),
            Call::Keys(b, f) => Reply::Names(e.keys(b, f)),
            Call::DeleteBucket(b) => Reply::Unit(e.delete_bucket(b)),
            other => panic!("not needed here: {other:?}"),
        }
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        super::super::native::block_on(f)
    }

    #[test]
    fn a_command_replays_until_every_operation_has_its_answer_and_matches_the_engine() {
        let wall: Rc<dyn Fn() -> Nanos> = Rc::new(|| 1_700_000_000_000_000_000);
        let kv = ReplayKv::new(Engine::new(0).connection_info(), wall);
        let mut remote = Session::new(kv.clone());
        let mut direct = Session::new(Engine::new(1_700_000_000_000_000_000));
        let mut server = Engine::new(1_700_000_000_000_000_000);
        let mut performed = 0;
        for line in [
            "nats kv add demo --history 3",
            "nats kv put demo a 1",
            "nats kv put demo a 2",
            "nats kv del demo a -f",
            "nats kv history demo a",
            "nats kv ls demo",
            "nats kv get demo missing",
            "nats kv rm demo",
        ] {
            let want = direct.run_line(line, 1_700_000_000_000_000_000);
            let got = block(drive(
                &kv,
                || {
                    let saved = remote.clone();
                    let r = remote.run_line(line, 1_700_000_000_000_000_000);
                    if kv.missing().is_some() {
                        remote = saved;
                    }
                    r
                },
                |c| {
                    performed += 1;
                    let r = on_engine(&mut server, &c);
                    async move { r }
                },
            ));
            if got.question.is_some() {
                let want = direct.answer(true);
                let got = block(drive(
                    &kv,
                    || {
                        let saved = remote.clone();
                        let r = remote.answer(true);
                        if kv.missing().is_some() {
                            remote = saved;
                        }
                        r
                    },
                    |c| {
                        let r = on_engine(&mut server, &c);
                        async move { r }
                    },
                ));
                assert_eq!(got.text(), want.text(), "{line} (answered)");
                continue;
            }
            assert_eq!(got.text(), want.text(), "{line}");
        }
        assert!(performed >= 10, "each command went to the stand-in server ({performed} operations)");
        assert_eq!(server.bucket_names(), Vec::<String>::new());
    }

    #[test]
    fn a_clock_move_waits_only_forward_from_the_last_one() {
        let mut last = None;
        assert_eq!(wait_for(&mut last, 100), None, "the first move sets the start");
        assert_eq!(wait_for(&mut last, 100), None);
        assert_eq!(wait_for(&mut last, 350), Some(250));
        assert_eq!(wait_for(&mut last, 200), None, "moving back waits nothing");
        assert_eq!(last, Some(350));
    }

    #[test]
    fn a_run_that_goes_another_way_drops_the_rest_of_the_journal() {
        let wall: Rc<dyn Fn() -> Nanos> = Rc::new(|| 0);
        let mut kv = ReplayKv::new(Engine::new(0).connection_info(), wall);
        kv.begin(vec![
            (Call::BucketNames, Reply::Names(Ok(vec!["a".into()]))),
            (Call::Status("a".into()), Reply::Status(Err(KvError::bucket_not_found()))),
        ]);
        assert_eq!(kv.bucket_names().unwrap(), vec!["a".to_string()]);
        assert!(kv.status("b").is_err());
        assert_eq!(kv.missing(), Some(Call::Status("b".into())));
        // Once something is missing, nothing further is answered.
        assert!(kv.poll_watch(WatchId(1)).is_empty());
        assert_eq!(kv.missing(), Some(Call::Status("b".into())));
        kv.begin(vec![(Call::PollWatch(WatchId(1)), Reply::Events(vec![WatchEvent::InitialValuesDone]))]);
        assert_eq!(kv.poll_watch(WatchId(1)), vec![WatchEvent::InitialValuesDone]);
    }
}
