// The official JavaScript client as the page loads it on first use: nats-core's wsconnect, JetStream and KV.
// scripts/bundle_clients.mjs bundles this file (with the pinned @nats-io packages) into vendor/nats.js.
export * from "@nats-io/nats-core";
export { jetstream, jetstreamManager } from "@nats-io/jetstream";
export { Kvm } from "@nats-io/kv";
