// Round trips of KV put and get with @nats-io/kv (node) against one server: prints `put_mean_us get_mean_us`.
// Usage: node rtt.mjs 127.0.0.1:PORT N   (run from beside the installed packages)
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
const [addr, n] = [process.argv[2], Number(process.argv[3])];
const nc = await connect({ servers: addr });
const kv = await new Kvm(nc).create("rttjs");
const value = new TextEncoder().encode("x".repeat(100));
for (let i = 0; i < 50; i++) await kv.put(`k${i % 50}`, value);
let t = performance.now();
for (let i = 0; i < n; i++) await kv.put(`k${i % 50}`, value);
const put = (performance.now() - t) / n;
t = performance.now();
for (let i = 0; i < n; i++) await kv.get(`k${i % 50}`);
const get = (performance.now() - t) / n;
console.log(`${(put * 1000).toFixed(1)} ${(get * 1000).toFixed(1)}`);
await nc.close();
