/**
 * The operator's commands of the built CLI (dist/cli.js) against the emulator: `purge`, `quota`,
 * `tasks`. Each asserts on what the emulator received, not only on what was printed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { cli, emulatorEnv } from "../support/cli";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset({ config: true }));

const calls = (action: string) => emulator.calls().filter((call) => call.action === action);
const both = () => emulatorEnv(emulator, { cdnHosts: "cdn.example.com" });

describe("cos-purge purge", () => {
  it("purges keys as an upload event would: every domain, both spellings, index folders", async () => {
    const { stdout, stderr, code } = await cli(
      ["purge", "--json", "img/a (1).png", "/docs/index.html"],
      both(),
    );

    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ planned: 8, purged: 8, failed: 0 });
    expect(calls("CreatePurgeTask")[0]?.params).toEqual({
      ZoneId: "zone-emulator",
      Type: "purge_url",
      Targets: [
        "https://www.example.com/img/a%20(1).png",
        "https://www.example.com/img/a%20%281%29.png",
        "https://www.example.com/docs/index.html",
        "https://www.example.com/docs/",
      ],
    });
    expect(calls("PurgeUrlsCache")[0]?.params.Urls).toHaveLength(4);
    // The summary is stdout's; stderr holds no copy of it.
    expect(stderr).not.toContain("purge summary");
  });

  it("reads keys and URLs from stdin, one per line (BOM, CRLF and blank lines ignored)", async () => {
    const input = "\uFEFFa.png\r\n\r\nhttps://www.example.com/raw%20as%20given.png\r\n";
    const { stdout, code } = await cli(["purge", "--json"], emulatorEnv(emulator), { input });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ planned: 2, purged: 2 });
    expect(calls("CreatePurgeTask").flatMap((call) => call.params.Targets)).toEqual([
      "https://www.example.com/a.png",
      "https://www.example.com/raw%20as%20given.png",
    ]);
  });

  it("purges folders with --prefix: EdgeOne purge_prefix and CDN PurgePathCache", async () => {
    const { code } = await cli(["purge", "--prefix", "img/2026", "https://cdn.example.com/static/"], both());

    expect(code).toBe(0);
    expect(calls("CreatePurgeTask")[0]?.params).toMatchObject({
      Type: "purge_prefix",
      Targets: ["https://www.example.com/img/2026/"],
    });
    expect(calls("PurgePathCache")[0]?.params).toMatchObject({
      FlushType: "flush",
      // URLs first, then key folders.
      Paths: ["https://cdn.example.com/static/", "https://cdn.example.com/img/2026/"],
    });
  });

  it("--dry-run prints the plan and calls no API", async () => {
    const { stdout, code } = await cli(["purge", "--dry-run", "--json", "a.png", "dir/"], both());

    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.requests).toEqual([
      expect.objectContaining({ provider: "edgeone", action: "CreatePurgeTask", type: "purge_url" }),
      expect.objectContaining({ provider: "cdn", action: "PurgeUrlsCache", type: "purge_url" }),
    ]);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ key: "dir/", reason: expect.stringContaining("--prefix") }),
    ]);
    expect(emulator.calls()).toEqual([]);
  });

  it("refuses a URL on no configured domain with exit 2, naming it, before any call", async () => {
    const { stderr, code } = await cli(["purge", "a.png", "https://elsewhere.example.org/x.png"], both());

    expect(code).toBe(2);
    expect(stderr).toContain(
      "https://elsewhere.example.org/x.png: elsewhere.example.org is not a configured domain",
    );
    expect(emulator.calls()).toEqual([]);
  });

  it("exits 1 with the failure, the RequestId and the fix when URLs are not purged", async () => {
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "InvalidParameter.Target" }],
    });
    const { stdout, code } = await cli(["purge", "a.png"], emulatorEnv(emulator));

    expect(code).toBe(1);
    expect(stdout).toMatch(/^Purged 0 of 1 URL in/);
    expect(stdout).toContain(
      "InvalidParameter.Target on edgeone zone-emulator: https://www.example.com/a.png",
    );
    expect(stdout).toContain("Fix: ");
  });

  it("exits 3 when the provider refuses the credentials", async () => {
    const { code, stdout } = await cli(
      ["purge", "--json", "a.png"],
      emulatorEnv(emulator, { TENCENTCLOUD_SECRETKEY: "wrong" }),
    );

    expect(code).toBe(3);
    expect(JSON.parse(stdout).failures[0].code).toMatch(/^AuthFailure/);
  });
});

describe("cos-purge quota", () => {
  it("lists each zone's and area's quota per type, as JSON", async () => {
    emulator.configure({
      zones: [
        {
          zoneId: "zone-emulator",
          domains: ["www.example.com"],
          quota: { purge_url: { batch: 50, daily: 300 } },
        },
      ],
    });
    const { stdout, code } = await cli(["quota", "--json"], both());

    expect(code).toBe(0);
    const rows = JSON.parse(stdout);
    expect(rows).toContainEqual({
      provider: "edgeone",
      zoneId: "zone-emulator",
      type: "purge_url",
      batch: 50,
      daily: 300,
      dailyAvailable: 300,
    });
    expect(rows).toContainEqual(
      expect.objectContaining({ provider: "cdn", area: "overseas", type: "purge_prefix" }),
    );
    expect(rows.map((row: { type: string }) => row.type)).toContain("prefetch_url");
    expect(calls("DescribeContentQuota").length).toBeGreaterThan(0);
    expect(calls("DescribePushQuota").length).toBeGreaterThan(0);
  });

  it("prints a table for people, with what is left today", async () => {
    await cli(["purge", "a.png"], emulatorEnv(emulator));
    const { stdout, code } = await cli(["quota"], emulatorEnv(emulator, { CDN_AREA: "mainland" }));

    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toMatch(/^provider +zone\/area +type +batch +daily +left today$/);
    expect(stdout).toMatch(/edgeone +zone-emulator +purge_url +2000 +10000 +9999/);
  });

  it("exits 3 naming the fix when the credentials are refused, and stops asking that provider", async () => {
    const { stderr, code } = await cli(["quota"], emulatorEnv(emulator, { TENCENTCLOUD_SECRETKEY: "wrong" }));

    expect(code).toBe(3);
    expect(stderr).toContain("AuthFailure");
    expect(stderr).toContain("Fix: ");
    expect(calls("DescribeContentQuota")).toHaveLength(1);
  });
});

describe("cos-purge tasks", () => {
  it("lists the tasks of a purge, and only that job with --job", async () => {
    await cli(["purge", "a.png"], emulatorEnv(emulator));
    const purge = JSON.parse((await cli(["purge", "--json", "b.png"], emulatorEnv(emulator))).stdout);
    const job = purge.jobs[0].taskId as string;

    const all = await cli(["tasks", "--json", "--since", "1h"], emulatorEnv(emulator));
    expect(all.code).toBe(0);
    expect(
      JSON.parse(all.stdout)
        .map((row: { target: string }) => row.target)
        .sort(),
    ).toEqual(["https://www.example.com/a.png", "https://www.example.com/b.png"]);

    const one = await cli(["tasks", "--json", "--job", job], emulatorEnv(emulator));
    expect(JSON.parse(one.stdout)).toEqual([
      expect.objectContaining({
        provider: "edgeone",
        zoneId: "zone-emulator",
        taskId: job,
        target: "https://www.example.com/b.png",
        type: "purge_url",
        status: expect.stringMatching(/^(processing|success)$/),
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
    expect(calls("DescribePurgeTasks").at(-1)?.params.Filters).toEqual([{ Name: "job-id", Values: [job] }]);
  });

  it("puts failed tasks first, --failed keeps only them, and exits 1 when one failed", async () => {
    emulator.configure({ tasks: { processingMs: 0, outcome: "success", failTargets: ["broken"] } });
    await cli(["purge", "ok.png", "broken.png"], emulatorEnv(emulator));

    const all = await cli(["tasks"], emulatorEnv(emulator));
    expect(all.code).toBe(1);
    const lines = all.stdout.trim().split("\n");
    expect(lines[1]).toMatch(/^failed.*https:\/\/www\.example\.com\/broken\.png$/);
    expect(lines[2]).toMatch(/^success.*ok\.png$/);

    const failed = await cli(["tasks", "--failed", "--json"], emulatorEnv(emulator));
    expect(JSON.parse(failed.stdout).map((row: { target: string }) => row.target)).toEqual([
      "https://www.example.com/broken.png",
    ]);
  });

  it("counts a canceled task as failed: listed before a newer success, kept by --failed, exit 1", async () => {
    emulator.configure({ tasks: { processingMs: 0, outcome: "canceled" } });
    await cli(["purge", "canceled.png"], emulatorEnv(emulator));
    emulator.configure({ tasks: { processingMs: 0, outcome: "success" } });
    await cli(["purge", "ok.png"], emulatorEnv(emulator));

    const failed = await cli(["tasks", "--failed", "--json"], emulatorEnv(emulator));
    const all = await cli(["tasks", "--json"], emulatorEnv(emulator));

    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toEqual([
      expect.objectContaining({ target: "https://www.example.com/canceled.png", status: "canceled" }),
    ]);
    expect(JSON.parse(all.stdout).map((row: { status: string }) => row.status)).toEqual([
      "canceled",
      "success",
    ]);
    expect(calls("DescribePurgeTasks")).toHaveLength(2);
  });

  it("reads CDN's URL, folder and prefetch tasks too", async () => {
    await cli(["purge", "a.png"], both());
    await cli(["purge", "--prefix", "img/"], both());

    const { stdout, code } = await cli(["tasks", "--json"], both());
    expect(code).toBe(0);
    const cdn = JSON.parse(stdout).filter((row: { provider: string }) => row.provider === "cdn");
    expect(cdn.map((row: { type: string; target: string }) => `${row.type} ${row.target}`).sort()).toEqual([
      "purge_prefix https://cdn.example.com/img/",
      "purge_url https://cdn.example.com/a.png",
    ]);
    expect(calls("DescribePurgeTasks").map((call) => call.params.PurgeType)).toEqual(
      expect.arrayContaining(["url", "path"]),
    );
    expect(calls("DescribePushTasks")).toHaveLength(1);
    expect(calls("DescribePrefetchTasks")).toHaveLength(1);
  });

  it("refuses --since beyond the APIs' 7 days with exit 2 before any call", async () => {
    const { stderr, code } = await cli(["tasks", "--since", "8d"], emulatorEnv(emulator));

    expect(code).toBe(2);
    expect(stderr).toContain("--since 8d");
    expect(emulator.calls()).toEqual([]);
  });
});
