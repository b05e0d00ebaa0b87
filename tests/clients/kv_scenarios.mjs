// KV scenarios with the official JavaScript client (@nats-io/kv over @nats-io/transport-node), run unchanged
// against nats-server and kvplay serve. Prints one line per observation, without times or ids, so the two
// servers' outputs can be compared as text. Usage: node kv_scenarios.mjs 127.0.0.1:PORT
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";

const show = (...parts) => console.log(parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" "));
const entry = (e) => [e.key, e.string(), e.revision, e.operation, e.delta ?? null];
async function expectError(label, p) {
  try {
    show(label, "ok", await p);
  } catch (err) {
    show(label, err.name, err.message);
  }
}
async function initial(iter) {
  const got = [];
  for await (const e of iter) {
    got.push(entry(e));
    if (e.delta === 0) break;
  }
  return got;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const nc = await connect({ servers: process.argv[2] });
const kvm = new Kvm(nc);
const kv = await kvm.create("my-kv", { history: 5 });
show("put", await kv.put("Key1", "Value1"));
const e = await kv.get("Key1");
show("get", entry(e));
show("put", await kv.put("Key1", "Value2"));
await expectError("create-existing", kv.create("Key1", "x"));
show("update", await kv.update("Key1", "Value3", 2));
await expectError("update-stale", kv.update("Key1", "x", 2));
show("delete", await kv.delete("Key1"));
show("get-deleted", await kv.get("Key1").then((x) => x && [x.operation, x.revision]));
show("create-after-delete", await kv.create("Key1", "again"));
const hist = [];
for await (const x of await kv.history({ key: "Key1" })) hist.push(entry(x));
show("history", hist);
const none = [];
for await (const x of await kv.history({ key: "nope" })) none.push(entry(x));
show("history-missing", none);
show("purge", await kv.purge("Key1"));
show("get-missing", await kv.get("missing"));
for (const k of ["a.b", "a.c", "z"]) await kv.put(k, k);
const keys = [];
for await (const k of await kv.keys()) keys.push(k);
show("keys", keys.sort());
const filtered = [];
for await (const k of await kv.keys("a.*")) filtered.push(k);
show("keys-filtered", filtered.sort());
await expectError("invalid-key", kv.put("bad key", "x"));
const st = await kv.status();
show("status", st.bucket, st.values, st.history, st.ttl, st.backingStore);

const w = await kv.watch();
const seen = [];
const done = (async () => {
  for await (const x of w) {
    seen.push(entry(x));
    if (seen.length === 6) break;
  }
})();
await sleep(200);
await kv.put("z", "z2");
await kv.delete("a.b");
await done;
show("watch-all", seen);
show("watch-wildcard-history", await initial(await kv.watch({ key: "a.*", include: "history" })));
show("watch-updates-only", await (async () => {
  const u = await kv.watch({ include: "updates" });
  const got = [];
  const p = (async () => { for await (const x of u) { got.push(entry(x)); break; } })();
  await sleep(200);
  await kv.put("late", "1");
  await p;
  return got;
})());

const small = await kvm.create("small", { max_bytes: 200, maxValueSize: 8 });
await expectError("value-too-big", small.put("k", "123456789"));
for (let i = 0; i < 5; i++) await expectError(`fill-${i}`, small.put(`k${i}`, "12345678"));
await expectError("bucket-missing", kvm.open("no-such-bucket").then((b) => b.status()));
await expectError("bucket-invalid", kvm.create("bad.name"));
const mem = await kvm.create("mem", { storage: "memory", ttl: 2000 });
show("mem-put", await mem.put("k", "v"));
await sleep(2600);
show("mem-expired", await mem.get("k"));
const ttl = await kvm.create("ttl", { history: 1, markerTTL: 5000 });
show("ttl-create", await ttl.create("lock", "held", "1s"));
await expectError("ttl-create-again", ttl.create("lock", "x", "1s"));
await sleep(1600);
show("ttl-expired", await ttl.get("lock").then((x) => x && [x.operation, x.revision]));
show("ttl-create-after-expiry", await ttl.create("lock", "mine", "1s"));
show("destroy", await kvm.destroy?.("mem") ?? "n/a");
await nc.close();
