/**
 * `cos-purge backlog` (dist/cli.js) prints text that anyone with write access to the bucket can set:
 * it must reach a terminal escaped (issue 13, row 14), and JSON output must keep it exact.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { type Emulator, startEmulator } from "../../src/emulator";
import { systemClock } from "../../src/foundation/clock";
import { createCosStore } from "../../src/providers/cos";
import { cli, emulatorEnv } from "../support/cli";

const BUCKET = "examplebucket-1250000000";
const KEYS = { secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "emulator-secret-key" };
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset({ config: true, cos: true }));

const env = () =>
  emulatorEnv(emulator, {
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
  });

/** Writes a queue entry straight into the emulator's COS, as any writer to the bucket could. */
async function queue(deferral: { scope: string; reason: string; targets: string[] }): Promise<void> {
  const store = createCosStore({
    bucket: BUCKET,
    region: "ap-guangzhou",
    endpoint: emulator.url,
    credentials: () => KEYS,
    requestTimeoutMs: 5_000,
  });
  const backlog = new Backlog({
    store,
    prefix: ".cos-purge/",
    clock: systemClock,
    timeoutMs: 5_000,
    random: Math.random,
  });
  await backlog.defer([{ provider: "edgeone", message: "", ...deferral }], "test");
}

/** A reason that would clear the screen, set the clipboard (OSC 52) and print a line of its own. */
const HOSTILE = "Quota\u001b[2J\u001b]52;c;ZWNobyBoaQ==\u0007\r\nFAKE all purged\u009b31m\u202eevil";

describe("cos-purge backlog, with text from the backlog", () => {
  it("escapes control characters in reasons and zones before they reach a terminal", async () => {
    await queue({ scope: "zone\u001b[31m-x\n", reason: HOSTILE, targets: ["https://www.example.com/a.png"] });

    const { stdout, code } = await cli(["backlog"], env());
    expect(code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none is printed
    expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(stdout.split("\n").filter((line) => line.includes("FAKE"))).toEqual([
      expect.stringContaining(
        "Quota\\u001b[2J\\u001b]52;c;ZWNobyBoaQ==\\u0007\\r\\nFAKE all purged\\u009b31m\\u202eevil",
      ),
    ]);
    expect(stdout).toContain("zone\\u001b[31m-x\\n");
    expect(stdout.trimEnd().split("\n")).toHaveLength(3); // the summary, the header, one lane
  });

  it("keeps the text exact in --json", async () => {
    await queue({ scope: "zone-emulator", reason: HOSTILE, targets: ["https://www.example.com/a.png"] });
    const { stdout } = await cli(["backlog", "--json"], env());
    expect(JSON.parse(stdout).lanes[0].reason).toBe(HOSTILE);
  });
});
