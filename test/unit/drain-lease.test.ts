/**
 * The drain under leases someone else wrote (issue 13, rows 5 and 6): a forged generation never keeps
 * the queue from draining for longer than the bound, and a hold no drain should see raises an error line.
 */
import { describe, expect, it } from "vitest";
import { MAX_HOLD_MS } from "../../src/backlog/lease";
import { drainBacklog } from "../../src/drain/drain";
import { drainWorld } from "../support/drain-world";
import { FakePurger } from "../support/fake-purger";

const PREFIX = ".cos-purge/";
const TARGETS = ["https://www.example.com/a.js", "https://www.example.com/b.js"];

function setup() {
  const edgeone = new FakePurger("edgeone");
  const { clock, store, backlog, lines, deps } = drainWorld(
    { edgeone },
    { owner: "timer", yieldToWindow: true },
  );
  const errors = () => lines.filter((line) => line.level === "error");
  return { clock, store, backlog, edgeone, deps, errors };
}

describe("a timer drain against forged leases", () => {
  it("a window lease claiming a far-future expiry: busy with an error line, then drained once the bound passes", async () => {
    const { clock, store, backlog, edgeone, deps, errors } = setup();
    await backlog.defer(
      [{ provider: "edgeone", scope: "zone-1", targets: TARGETS, reason: "Burst", message: "" }],
      "r",
    );
    const forever = { owner: "forged", acquiredAt: clock.now(), expiresAt: Date.UTC(2099, 0, 1) };
    await store.put(`${PREFIX}lease/window/000000000001`, JSON.stringify(forever));

    expect(await drainBacklog(deps())).toMatchObject({ status: "busy", holder: { owner: "forged" } });
    expect(errors()).toEqual([
      expect.objectContaining({
        msg: "backlog lease held abnormally",
        lease: "window",
        problem: expect.stringMatching(/claims to be held until 2099/),
      }),
    ]);
    expect(edgeone.purges).toHaveLength(0);

    clock.advance(MAX_HOLD_MS + 60_000);
    expect(await drainBacklog(deps())).toMatchObject({ status: "drained", purged: 2 });
    expect(edgeone.purges.flatMap((call) => call.targets).sort()).toEqual(TARGETS);
  });

  it("a released drain generation 999999999999: every later drain takes the lease", async () => {
    const { clock, store, backlog, edgeone, deps, errors } = setup();
    const released = { owner: "gone", acquiredAt: 0, expiresAt: 1, released: true };
    await store.put(`${PREFIX}lease/drain/999999999999`, JSON.stringify(released));

    for (const name of ["a.js", "b.js", "c.js"]) {
      const target = `https://www.example.com/${name}`;
      await backlog.defer(
        [{ provider: "edgeone", scope: "zone-1", targets: [target], reason: "Burst", message: "" }],
        "r",
      );
      expect(await drainBacklog(deps())).toMatchObject({ status: "drained", purged: 1 });
      clock.advance(1_000);
    }
    expect(edgeone.purges).toHaveLength(3);
    expect(errors()).toEqual([]);
  });

  it("a normal hold by another drain is busy without an error line", async () => {
    const { store, clock, backlog, edgeone, deps, errors } = setup();
    await backlog.defer(
      [{ provider: "edgeone", scope: "zone-1", targets: TARGETS, reason: "Burst", message: "" }],
      "r",
    );
    const other = { owner: "other", acquiredAt: clock.now(), expiresAt: clock.now() + 60_000 };
    await store.put(`${PREFIX}lease/drain/000000000001`, JSON.stringify(other));
    expect(await drainBacklog(deps())).toMatchObject({ status: "busy" });
    expect(errors()).toEqual([]);
    expect(edgeone.purges).toHaveLength(0);
  });

  it("a timer drain with nothing queued ends before any lease: it neither waits for a holder nor writes a generation", async () => {
    const { store, clock, deps } = setup();
    const other = { owner: "other", acquiredAt: clock.now(), expiresAt: clock.now() + 60_000 };
    await store.put(`${PREFIX}lease/drain/000000000001`, JSON.stringify(other));
    store.ops.length = 0;

    expect(await drainBacklog(deps())).toMatchObject({ status: "drained", complete: true, purged: 0 });
    expect(
      store.ops.filter((op) => op.op !== "list" || (!op.key.endsWith("busy/") && !op.key.endsWith("done/"))),
    ).toEqual([
      { op: "list", key: `${PREFIX}queue/` },
      { op: "list", key: `${PREFIX}sent/` },
    ]);
    expect(store.keys(`${PREFIX}lease/`)).toEqual([`${PREFIX}lease/drain/000000000001`]);
  });
});
