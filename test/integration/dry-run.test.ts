/**
 * A dry run purges nothing from any path (issue 13 row 11): the timer's drain (dist/index.js) and
 * `cos-purge backlog drain` (dist/cli.js) only say what they would submit. Asserted on what the emulator
 * received (no purge, prefetch or task query) and holds (the backlog's objects, byte for byte).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { cli, emulatorEnv } from "../support/cli";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const www = (name: string) => `https://www.example.com/${name}`;
const providerCalls = () => emulator.calls().filter((call) => call.service !== "cos");
const backlogObjects = () =>
  emulator
    .objects(BACKLOG_BUCKET)
    .map((object) => ({ key: object.key, body: object.body.toString() }))
    .sort((a, b) => a.key.localeCompare(b.key));

/** 5 uploads with a daily quota of 2: 3 URLs wait in the backlog; then a new day with quota to spare. */
async function fillBacklog(): Promise<void> {
  emulator.configure({
    zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 2 } } }],
  });
  const names = ["a.png", "b.png", "c.png", "d.png", "e.png"];
  const summary = await backlogInstance(emulator, { PURGE_MODE: "direct" }).invoke(
    cosEvent(...names.map((key) => cosRecord({ key }))),
  );
  expect(summary).toMatchObject({ purged: 2, deferred: 3 });
  emulator.reset({ config: true }); // the quota is back; the backlog's objects are kept
}

describe("PURGE_DRY_RUN on a timer event", () => {
  it("previews the drain: no provider call, the backlog untouched, the summary says dryRun and route drain", async () => {
    await fillBacklog();
    const before = backlogObjects();
    const instance = backlogInstance(emulator, { PURGE_DRY_RUN: "true" });

    const summary = await instance.invoke(timerEvent());

    expect(providerCalls()).toEqual([]);
    expect(backlogObjects()).toEqual(before);
    expect(summary).toMatchObject({
      source: "timer",
      route: "drain",
      dryRun: true,
      planned: 3,
      purged: 0,
      failed: 0,
      drain: { status: "preview", entries: 1, targets: 3, purged: 0, waiting: 3 },
    });
    const preview = instance.lines.find((line) => line.msg === "drain preview");
    expect(preview).toMatchObject({
      entries: 1,
      targets: 3,
      lanes: [{ provider: "edgeone", scope: "zone-emulator", type: "purge_url", entries: 1, targets: 3 }],
    });
  });

  it("a real timer drain after it still purges everything, each URL once", async () => {
    await fillBacklog();
    await backlogInstance(emulator, { PURGE_DRY_RUN: "true" }).invoke(timerEvent());
    const summary = await backlogInstance(emulator).invoke(timerEvent());

    expect(summary).toMatchObject({ route: "drain", dryRun: false, purged: 3, deferred: 0 });
    const purged = emulator
      .calls()
      .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
      .flatMap((call) => call.params.Targets as string[]);
    expect(purged.sort()).toEqual([www("c.png"), www("d.png"), www("e.png")]);
  });
});

describe("cos-purge backlog drain, dry run", () => {
  const env = (settings: Record<string, string> = {}) =>
    emulatorEnv(emulator, {
      COS_ENDPOINT: emulator.url,
      PURGE_BACKLOG_BUCKET: BACKLOG_BUCKET,
      PURGE_BACKLOG_REGION: "ap-guangzhou",
      ...settings,
    });

  it("with PURGE_DRY_RUN set, lists per lane what it would submit and sends nothing", async () => {
    await fillBacklog();
    const before = backlogObjects();

    const { stdout, code } = await cli(["backlog", "drain", "--json"], env({ PURGE_DRY_RUN: "true" }));

    expect(code).toBe(0);
    expect(providerCalls()).toEqual([]);
    expect(backlogObjects()).toEqual(before);
    const preview = JSON.parse(stdout);
    expect(preview).toMatchObject({ status: "preview", dryRun: true, entries: 1, targets: 3 });
    expect(preview.lanes).toEqual([
      {
        provider: "edgeone",
        zoneId: "zone-emulator",
        type: "purge_url",
        entries: 1,
        targets: 3,
        sample: [www("c.png"), www("d.png"), www("e.png")],
      },
    ]);
  });

  it("with --dry-run, prints the lanes and targets for people, and changes nothing", async () => {
    await fillBacklog();
    const before = backlogObjects();

    const { stdout, code } = await cli(["backlog", "drain", "--dry-run"], env());

    expect(code).toBe(0);
    expect(providerCalls()).toEqual([]);
    expect(backlogObjects()).toEqual(before);
    expect(stdout).toContain("Dry run: a drain would submit 3 targets from 1 entry");
    expect(stdout).toContain("edgeone zone-emulator purge_url: 3 targets from 1 entry");
    expect(stdout).toContain(www("d.png"));
  });

  it("refuses --dry-run without drain, as a usage error", async () => {
    const { stderr, code } = await cli(["backlog", "--dry-run"], env());
    expect(code).toBe(2);
    expect(stderr).toContain('--dry-run goes with "drain"');
  });
});

describe("cos-purge purge with PURGE_DRY_RUN set", () => {
  it("calls no API for URLs either, and says nothing was sent", async () => {
    const { stdout, code } = await cli(
      ["purge", www("a.png"), "b.png"],
      emulatorEnv(emulator, { PURGE_DRY_RUN: "true" }),
    );

    expect(code).toBe(0);
    expect(providerCalls()).toEqual([]);
    expect(stdout).toContain("PURGE_DRY_RUN is set: nothing was sent");
  });
});
