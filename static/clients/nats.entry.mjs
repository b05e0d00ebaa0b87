// The official JavaScript client as the page loads it on first use: nats-core's wsconnect, JetStream and KV.
// scripts/bundle_clients.mjs bundles this file (with the pinned @nats-io packages) into vendor/nats.js.
// The packages are CommonJS, so each name is re-exported by name.
export {
  wsconnect, headers, createInbox, nuid, Empty, errors, deferred, delay, millis, nanos, syncIterator,
  usernamePasswordAuthenticator, tokenAuthenticator, nkeyAuthenticator, credsAuthenticator, jwtAuthenticator,
  NoRespondersError, TimeoutError, ConnectionError, RequestError, InvalidSubjectError,
} from "@nats-io/nats-core";
export { jetstream, jetstreamManager, AckPolicy, DeliverPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
export { Kvm } from "@nats-io/kv";
// Each package whole, for the JavaScript cells' worker (static/clients/js-worker.js), whose programs import any
// of the packages' names.
export * as natsCore from "@nats-io/nats-core";
export * as natsJetstream from "@nats-io/jetstream";
export * as natsKv from "@nats-io/kv";
