import { describe, expect, it } from "vitest";
import { PurgeLedger } from "../../src/execute/ledger";
import type { ObjectChange, PlannedTarget } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";

const change = (key: string, version: string): ObjectChange => ({
  key,
  kind: "created",
  eventName: "cos:ObjectCreated:Put",
  bucket: "examplebucket",
  region: "ap-guangzhou",
  record: "0",
  version,
});

const target = (url: string, ...keys: string[]): PlannedTarget => ({
  provider: "edgeone",
  scope: "zone-a",
  url,
  keys,
});

describe("PurgeLedger", () => {
  it("skips on a retry of the same change what the first attempt purged, and nothing else", () => {
    const ledger = new PurgeLedger(new FakeClock());
    const changes = [change("a.png", "req-1"), change("b.png", "req-1")];
    const targets = [target("https://x/a.png", "a.png"), target("https://x/b.png", "b.png")];

    ledger.remember(targets, changes, ["https://x/a.png"]);
    const { toPurge, alreadyPurged } = ledger.partition(targets, changes);

    expect(alreadyPurged.map((t) => t.url)).toEqual(["https://x/a.png"]);
    expect(toPurge.map((t) => t.url)).toEqual(["https://x/b.png"]);
  });

  it("purges again when the object changed again (a new version)", () => {
    const ledger = new PurgeLedger(new FakeClock());
    const targets = [target("https://x/a.png", "a.png")];
    ledger.remember(targets, [change("a.png", "req-1")], ["https://x/a.png"]);

    expect(ledger.partition(targets, [change("a.png", "req-2")]).toPurge).toHaveLength(1);
  });

  it("never skips a change without a version", () => {
    const ledger = new PurgeLedger(new FakeClock());
    const targets = [target("https://x/a.png", "a.png")];
    ledger.remember(targets, [change("a.png", "")], ["https://x/a.png"]);

    expect(ledger.partition(targets, [change("a.png", "")]).toPurge).toHaveLength(1);
  });

  it("skips a target standing for two keys only when both were purged", () => {
    const ledger = new PurgeLedger(new FakeClock());
    const shared = [target("https://x/dir/", "dir/index.html", "dir/index.htm")];
    const both = [change("dir/index.html", "req-1"), change("dir/index.htm", "req-2")];
    ledger.remember(shared, [change("dir/index.html", "req-1")], ["https://x/dir/"]);

    expect(ledger.partition(shared, both).toPurge).toHaveLength(1);
  });

  it("forgets after ten minutes, longer than SCF's async retry schedule", () => {
    const clock = new FakeClock();
    const ledger = new PurgeLedger(clock);
    const changes = [change("a.png", "req-1")];
    const targets = [target("https://x/a.png", "a.png")];
    ledger.remember(targets, changes, ["https://x/a.png"]);

    clock.advance(9 * 60_000);
    expect(ledger.partition(targets, changes).alreadyPurged).toHaveLength(1);
    clock.advance(2 * 60_000);
    expect(ledger.partition(targets, changes).toPurge).toHaveLength(1);
  });
});
