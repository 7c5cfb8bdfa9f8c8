/**
 * The lease (src/backlog/lease.ts) against what can be written beside its generations: forged names,
 * huge numbers, gaps, bodies that claim too much or cannot be read. None may pin the lease, and none may
 * let two holders in.
 */
import { describe, expect, it } from "vitest";
import { abnormalHold, acquireLease, leaseHolder, MAX_HOLD_MS } from "../../src/backlog/lease";
import { FakeClock } from "../support/fake-clock";
import { MemoryStore } from "../support/memory-store";

const NAME = ".cos-purge/lease/drain/";
/** The bound after Last-Modified: SCF's 900 s plus the margin for COS's clock. */
const BOUND_MS = MAX_HOLD_MS + 60_000;

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  /** Writes a generation as anyone with access to the bucket could, stamped now (Last-Modified). */
  const plant = (suffix: string, body: object | string) =>
    store.put(`${NAME}${suffix}`, typeof body === "string" ? body : JSON.stringify(body));
  const released = {
    owner: "gone",
    acquiredAt: clock.now() - 60_000,
    expiresAt: clock.now() - 1,
    released: true,
  };
  const take = (owner = "me", ttl = 30_000) => acquireLease(store, clock, NAME, owner, ttl);
  return { clock, store, plant, released, take };
}

describe("a lease's generations are compared as numbers", () => {
  it("a released generation 999999999999 never blocks: the next ones (13 digits) are taken and released in turn", async () => {
    const { plant, released, take, store } = setup();
    await plant("999999999999", released);

    for (const expected of ["1000000000000", "1000000000002", "1000000000004"]) {
      const attempt = await take();
      expect(attempt.held?.key).toBe(`${NAME}${expected}`);
      await attempt.held?.release();
    }
    expect(store.keys(NAME).at(-1)).toBe(`${NAME}999999999999`); // still first in key order
  });

  it("a lease held under a 13-digit generation keeps a contender out though an older key lists after it", async () => {
    const { plant, released, take, clock, store } = setup();
    await plant("999999999999", released);
    const first = await take("first");
    expect(first.held).toBeDefined();

    const second = await take("second");
    expect(second.held).toBeUndefined();
    expect(second.holder).toMatchObject({ owner: "first" });
    expect(await leaseHolder(store, clock, NAME)).toMatchObject({ owner: "first" });
  });

  it("follows the highest number across gaps", async () => {
    const { plant, released, take } = setup();
    await plant("000000000002", released);
    await plant("000000000009", released);
    expect((await take()).held?.key).toBe(`${NAME}000000000010`);
  });

  it("ignores names outside the scheme: letters, suffixes, subfolders, extra leading zeros, short numbers", async () => {
    const { plant, released, take, store } = setup();
    await plant("000000000003", { owner: "real", acquiredAt: 0, expiresAt: Date.UTC(2027, 0, 1) });
    // Each, if counted, would make the lease look free (released) and let a second holder in.
    for (const stray of ["zzz", "000000000004.json", "sub/000000000009", "0000000000004", "5", "x999"])
      await plant(stray, released);

    const attempt = await take();
    expect(attempt.held).toBeUndefined();
    expect(attempt.holder).toMatchObject({ owner: "real" });
    expect(store.keys(NAME).filter((key) => key.endsWith("000000000004"))).toHaveLength(1); // nothing written
  });

  it("ignores a generation of more than 30 digits, however it claims to be held", async () => {
    const { plant, take } = setup();
    await plant("9".repeat(40), { owner: "forged", acquiredAt: 0, expiresAt: Number.MAX_SAFE_INTEGER });
    expect((await take()).held?.key).toBe(`${NAME}000000000001`);
  });

  it("deletes a free generation at the top of the range and goes on from the one below", async () => {
    const { plant, released, take, store } = setup();
    await plant("000000000007", released);
    await plant("9".repeat(30), released);

    const first = await take();
    expect(first.held).toBeUndefined();
    expect(store.keys(NAME)).not.toContain(`${NAME}${"9".repeat(30)}`);
    expect((await take()).held?.key).toBe(`${NAME}000000000008`);
  });
});

describe("a lease's lifetime is bounded from when COS wrote it", () => {
  it("a generation claiming a far-future expiry is held only until its Last-Modified plus 900 s and the margin", async () => {
    const { plant, take, clock } = setup();
    const writtenAt = clock.now();
    await plant("000000000001", { owner: "forged", acquiredAt: writtenAt, expiresAt: Date.UTC(2099, 0, 1) });

    const busy = await take();
    expect(busy.holder).toMatchObject({
      owner: "forged",
      expiresAt: writtenAt + BOUND_MS,
      claimedExpiresAt: Date.UTC(2099, 0, 1),
    });
    clock.advance(BOUND_MS - 1);
    expect((await take()).held).toBeUndefined();
    clock.advance(1);
    expect((await take()).held?.key).toBe(`${NAME}000000000002`);
  });

  it("an acquiredAt in the body does not move the bound: only Last-Modified counts", async () => {
    const { plant, take, clock } = setup();
    const writtenAt = clock.now();
    const later = writtenAt + 10 * 3_600_000;
    await plant("000000000001", { owner: "forged", acquiredAt: later, expiresAt: later + 60_000 });
    clock.advance(BOUND_MS);
    expect((await take()).held).toBeDefined();
  });

  it("an unreadable generation is held until the bound, then free", async () => {
    const { plant, take, clock, store } = setup();
    await plant("000000000001", "not json");
    const busy = await take();
    expect(busy.holder).toMatchObject({ owner: "unknown", unreadable: true });
    expect(await leaseHolder(store, clock, NAME)).toMatchObject({ unreadable: true });
    clock.advance(BOUND_MS);
    expect((await take()).held?.key).toBe(`${NAME}000000000002`);
  });

  it("no holder takes the lease for longer than 900 s, whatever it asks", async () => {
    const { take, clock } = setup();
    const held = (await take("cli", 3_600_000)).held;
    expect(held?.expiresAt).toBe(clock.now() + MAX_HOLD_MS);
  });
});

describe("abnormalHold: the holds an alarm should hear of", () => {
  it("names a claimed expiry beyond the bound, an unreadable body and a hold past 900 s; not a normal hold", async () => {
    const { plant, take, clock } = setup();
    const normal = await take("normal", 60_000);
    const holder = (await take()).holder;
    expect(holder).toBeDefined();
    expect(abnormalHold(holder ?? { owner: "", acquiredAt: 0, expiresAt: 0 }, clock.now())).toBeUndefined();
    await normal.held?.release();

    await plant("000000000003", { owner: "forged", acquiredAt: 0, expiresAt: Date.UTC(2099, 0, 1) });
    const forged = (await take()).holder;
    expect(abnormalHold(forged ?? { owner: "", acquiredAt: 0, expiresAt: 0 }, clock.now())).toMatch(
      /claims to be held until 2099-01-01T00:00:00.000Z, longer than the 900 s/,
    );
    expect(abnormalHold({ owner: "x", acquiredAt: 0, expiresAt: 0, writtenAt: 0 }, MAX_HOLD_MS + 1)).toMatch(
      /longer than the 900 s any invocation can run/,
    );
    expect(abnormalHold({ owner: "x", acquiredAt: 0, expiresAt: 0, unreadable: true }, 0)).toMatch(
      /not a lease this version can read/,
    );
  });
});

describe("looking at a lease another invocation holds", () => {
  it("reads the holder's generation once: later looks while it stays highest are one LIST each", async () => {
    const { store, take } = setup();
    const holder = await take("holder");
    expect(holder.held).toBeDefined();
    store.ops.length = 0;
    for (let look = 0; look < 3; look += 1) expect((await take("joiner")).holder?.owner).toBe("holder");
    expect(store.ops.map((op) => op.op)).toEqual(["list", "get", "list", "list"]);
  });

  it("reads a generation again when it was written over (a new Last-Modified or size)", async () => {
    const { clock, plant, store } = setup();
    await plant("000000000001", { owner: "a", acquiredAt: clock.now(), expiresAt: clock.now() + 60_000 });
    expect((await leaseHolder(store, clock, NAME))?.owner).toBe("a");
    clock.advance(1_000);
    await plant("000000000001", { owner: "bb", acquiredAt: clock.now(), expiresAt: clock.now() + 60_000 });
    expect((await leaseHolder(store, clock, NAME))?.owner).toBe("bb");
  });
});
