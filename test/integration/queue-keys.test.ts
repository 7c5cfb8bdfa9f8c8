/**
 * Queue entries whose body rides in their key (entries.ts `queueKey`, backlog.ts): a drain takes an
 * entry from its key, without a GET, only when the LIST's ETag proves the object still holds that body.
 * The built function and the real COS SDK against the emulator; assertions on the calls it received.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { type BacklogEntry, recordKey } from "../../src/backlog/entries";
import type { Emulator } from "../../src/emulator";
import { systemClock } from "../../src/foundation/clock";
import {
  BACKLOG_BUCKET,
  backlogInstance,
  emulatorCosStore,
  useBacklogEmulator,
} from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const PREFIX = ".cos-purge/";
const url = (name: string) => `https://www.example.com/${name}.png`;
const accepted = () =>
  emulator
    .calls()
    .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
    .flatMap((call) => call.params.Targets as string[]);
const queueObjects = () =>
  emulator.objects(BACKLOG_BUCKET).filter((object) => object.key.startsWith(`${PREFIX}queue/`));
/** The keys of the queue entries the emulator was asked to GET. */
const queueReads = () =>
  emulator
    .calls()
    .filter((call) => call.action === "GetObject" && String(call.params.Key).startsWith(`${PREFIX}queue/`))
    .map((call) => String(call.params.Key));
const PLAIN_QUEUE_KEY = /^\.cos-purge\/queue\/\d{13}-[0-9a-f]{8}\.json$/;

function cosStore() {
  return emulatorCosStore(emulator);
}

const backlogOn = (store = cosStore()) =>
  new Backlog({ store, prefix: PREFIX, clock: systemClock, timeoutMs: 5_000 });

const entry = (targets: readonly string[], message = ""): BacklogEntry => ({
  provider: "edgeone",
  scope: "zone-emulator",
  targets,
  reason: "Queued",
  message,
  firstDeferredAt: Date.now(),
  deferredAt: Date.now(),
  tries: 0,
  origin: "test",
});

describe("queue entries carried in their keys, against the emulator", () => {
  it("a timer drain of entries the function queued reads none of them with a GET and purges every target", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `queued-${i}`);
    // A 2 s limit leaves a 60 s window no time to drain: each upload only writes its entry.
    const uploads = backlogInstance(emulator, { PURGE_MODE: "queue", PURGE_WINDOW_MS: "60000" });
    for (const name of names) await uploads.invoke(cosEvent(cosRecord({ key: `${name}.png` })), 2_000);
    expect(queueObjects()).toHaveLength(names.length);
    expect(accepted()).toEqual([]);
    emulator.reset();

    const summary = await backlogInstance(emulator).invoke(timerEvent());

    expect(summary.drain).toMatchObject({ status: "drained", purged: names.length, waiting: 0 });
    expect(queueReads()).toEqual([]);
    expect(accepted().sort()).toEqual(names.map(url).sort());
    expect(queueObjects()).toEqual([]);
  });

  it("an entry rewritten in place is read from its body: the drain purges the body's targets, not its key's", async () => {
    const store = cosStore();
    const key = await backlogOn(store).add(entry([url("in-the-key")]));
    expect(key).not.toMatch(PLAIN_QUEUE_KEY);
    await backlogOn(store).rewrite(key, entry([url("in-the-body")]));
    emulator.reset();

    await backlogInstance(emulator).invoke(timerEvent());

    expect(accepted()).toEqual([url("in-the-body")]);
    expect(queueReads()).toEqual([key]);
    expect(queueObjects()).toEqual([]);
  });

  it("an entry too long for its key gets a plain key, and is drained with a GET", async () => {
    const message = "a provider's long message ".repeat(40);
    const key = await backlogOn().add(entry([url("long")], message));
    expect(key).toMatch(PLAIN_QUEUE_KEY);
    expect(JSON.parse(queueObjects()[0]?.body.toString() ?? "{}")).toMatchObject({ message });
    emulator.reset();

    await backlogInstance(emulator).invoke(timerEvent());

    expect(accepted()).toEqual([url("long")]);
    expect(queueReads()).toEqual([key]);
    expect(queueObjects()).toEqual([]);
  });

  it("drains entries a previous version queued under plain keys, and those beside them in their keys", async () => {
    const store = cosStore();
    const old = recordKey(PREFIX, "queue/", Date.now() - 1_000, Math.random);
    await store.put(old, JSON.stringify(entry([url("old")])));
    const fresh = await backlogOn(store).add(entry([url("fresh")]));
    emulator.reset();

    await backlogInstance(emulator).invoke(timerEvent());

    expect(accepted().sort()).toEqual([url("fresh"), url("old")]);
    expect(queueReads()).toEqual([old]);
    expect(fresh).not.toMatch(PLAIN_QUEUE_KEY);
    expect(queueObjects()).toEqual([]);
  });
});
