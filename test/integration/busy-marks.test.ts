/**
 * Busy marks are hints (object-store.ts `HintOption`): leaving and reading them skips the COS adapter's
 * check of the bucket's versioning, which every other call still makes. The real COS SDK against the
 * emulator; assertions on the COS calls it received.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { lookAtOthers } from "../../src/backlog/busy";
import type { BacklogEntry } from "../../src/backlog/entries";
import type { Emulator } from "../../src/emulator";
import { systemClock } from "../../src/foundation/clock";
import { StorageError } from "../../src/providers/cos";
import { VERSIONED_BUCKET } from "../../src/providers/cos-versioning";
import {
  BACKLOG_BUCKET,
  backlogInstance,
  emulatorCosStore,
  useBacklogEmulator,
} from "../support/backlog-harness";
import { cosEvent, cosRecord } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const cosActions = () =>
  emulator
    .calls()
    .filter((call) => call.service === "cos")
    .map((call) => call.action);

/** A fresh warm instance's backlog: a new COS adapter, its versioning not read yet. */
function freshBacklog(): Backlog {
  const store = emulatorCosStore(emulator);
  return new Backlog({ store, prefix: ".cos-purge/", clock: systemClock, timeoutMs: 5_000 });
}

const entry: BacklogEntry = {
  provider: "edgeone",
  scope: "zone-emulator",
  targets: ["https://www.example.com/a.png"],
  reason: "Queued",
  message: "",
  firstDeferredAt: Date.now(),
  deferredAt: Date.now(),
  tries: 0,
  origin: "test",
};

describe("busy marks on COS", () => {
  it("a look on a fresh instance is two COS requests, its mark and the listing, without a versioning check (it was three)", async () => {
    const others = ["0000000a", "0000000b"];
    for (const other of others) await lookAtOthers(freshBacklog(), other, 60_000, systemClock);
    emulator.reset();

    expect(await lookAtOthers(freshBacklog(), "0000000c", 60_000, systemClock)).toHaveLength(2);

    expect(cosActions()).toEqual(["PutObject", "GetBucket"]);
  });

  it("the backlog's own calls are still checked first: a queue entry is refused on a versioned bucket, after the marks went through", async () => {
    emulator.configure({
      cos: { buckets: [{ name: BACKLOG_BUCKET, region: "ap-guangzhou", versioning: "Suspended" }] },
    });
    const backlog = freshBacklog();

    expect(await lookAtOthers(backlog, "0000000a", 60_000, systemClock)).toEqual([]);
    const refused = await backlog.add(entry).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({ code: VERSIONED_BUCKET });
    expect(cosActions()).toEqual(["PutObject", "GetBucket", "GetBucketVersioning"]);
    expect(emulator.objects(BACKLOG_BUCKET).map((object) => object.key)).toEqual([
      expect.stringMatching(/^\.cos-purge\/busy\/\d{13}-0000000a$/),
    ]);
  });

  it("a queue-mode window gathering a stream of uploads leaves no busy mark: only auto reads them", async () => {
    const settings = { PURGE_MODE: "queue", PURGE_WINDOW_MS: "1000" };
    const upload = (name: string) => cosEvent(cosRecord({ key: `${name}.png` }));
    const holder = backlogInstance(emulator, settings).invoke(upload("first"));
    // Uploads keep arriving on other instances past the holder's first look (a window in), so it gathers.
    for (let i = 0; i < 15; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await backlogInstance(emulator, settings).invoke(upload(`next-${i}`));
    }
    expect((await holder).route).toBe("queued");

    const purged = emulator
      .calls()
      .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
      .flatMap((call) => call.params.Targets as string[]);
    expect(purged).toHaveLength(16);
    expect(emulator.objects(BACKLOG_BUCKET).map((object) => object.key)).not.toContainEqual(
      expect.stringMatching(/busy\//),
    );
    expect(emulator.calls().filter((call) => /busy\//.test(String(call.params.Key ?? "")))).toEqual([]);
  });
});
