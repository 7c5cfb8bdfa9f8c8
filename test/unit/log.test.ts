import { describe, expect, it } from "vitest";
import { createLogger, redact } from "../../src/foundation/log";

describe("redact", () => {
  it("masks secret-looking fields at any depth and SecretIds inside text", () => {
    const out = redact({
      secretKey: "abc",
      nested: { TENCENTCLOUD_SESSIONTOKEN: "tok", list: [{ Authorization: "TC3-HMAC-SHA256 ..." }] },
      message: "SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA not found",
      keys: ["img/a.png"],
    });

    expect(out).toEqual({
      secretKey: "***",
      nested: { TENCENTCLOUD_SESSIONTOKEN: "***", list: [{ Authorization: "***" }] },
      message: "SecretId AKID*** not found",
      keys: ["img/a.png"],
    });
  });
});

describe("createLogger", () => {
  it("writes one JSON object per line with the base fields, above the threshold only", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      base: { requestId: "r-1" },
      write: (line) => lines.push(line),
    });

    log.debug("hidden");
    log.info("purge summary", { purged: 2 });
    log.error("failed", { error: new Error("boom"), token: "t" });

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "info", msg: "purge summary", requestId: "r-1", purged: 2 },
      {
        level: "error",
        msg: "failed",
        requestId: "r-1",
        error: { name: "Error", message: "boom" },
        token: "***",
      },
    ]);
  });
});

describe("createLogger with values JSON cannot write", () => {
  it("writes a field nested 100,000 deep cut to eight levels, and a BigInt as the error it is", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line) });
    let deep: unknown = [];
    for (let level = 0; level < 100_000; level += 1) deep = [deep];

    log.error("deep", { deep });
    log.error("bigint", { count: 10n });

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "error", msg: "deep", deep: [[[[[[[["[…]"]]]]]]]] },
      { level: "error", msg: "bigint", logError: expect.stringMatching(/BigInt/) },
    ]);
  });
});
