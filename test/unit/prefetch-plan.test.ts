import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config";
import type { ChangeKind, ObjectChange } from "../../src/foundation/model";
import { planPurges, toLanes } from "../../src/plan/plan";
import { planPrefetches } from "../../src/plan/prefetch";

const edgeone = { ZoneId: "zone-aaa", eoDomains: "www.example.com" };

let records = 0;
function change(key: string, kind: ChangeKind = "created"): ObjectChange {
  records += 1;
  return {
    key,
    kind,
    eventName: kind === "created" ? "cos:ObjectCreated:Put" : "cos:ObjectRemove:Delete",
    bucket: "b-1250000000",
    region: "ap-guangzhou",
    record: String(records),
    version: `v${records}`,
  };
}

/** The prefetch URLs planned for `changes` under `env`. */
function prefetched(env: Record<string, string>, changes: ObjectChange[]): string[] {
  const config = loadConfig({ ...edgeone, ...env });
  const { targets } = planPurges(changes, config);
  return planPrefetches(changes, targets, config).map((target) => target.url);
}

describe("planPrefetches", () => {
  it("plans nothing when PURGE_PREFETCH is empty", () => {
    expect(prefetched({}, [change("dl/app.apk")])).toEqual([]);
  });

  it("warms created keys matching a glob, never removed ones, never keys matching none", () => {
    const changes = [change("dl/app.apk"), change("dl/old.apk", "removed"), change("img/a.png")];
    expect(prefetched({ PURGE_PREFETCH: "**/*.apk,**/*.mp4" }, changes)).toEqual([
      "https://www.example.com/dl/app.apk",
    ]);
  });

  it("leaves out a key also removed in the same delivery, whatever the order of its records", () => {
    const env = { PURGE_PREFETCH: "**/*.apk" };
    expect(prefetched(env, [change("a.apk"), change("a.apk", "removed")])).toEqual([]);
    expect(prefetched(env, [change("a.apk", "removed"), change("a.apk")])).toEqual([]);
  });

  it("warms one spelling, chromium's, although every spelling is purged", () => {
    const config = loadConfig({ ...edgeone, PURGE_PREFETCH: "**/*.apk" });
    const changes = [change("dl/app|v2 (1).apk")];
    const { targets } = planPurges(changes, config);
    expect(targets.length).toBeGreaterThan(1);
    expect(planPrefetches(changes, targets, config)).toEqual([
      {
        provider: "edgeone",
        scope: "zone-aaa",
        type: "prefetch_url",
        url: "https://www.example.com/dl/app%7Cv2%20(1).apk",
        keys: ["dl/app|v2 (1).apk"],
        spellings: ["chromium"],
      },
    ]);
  });

  it("warms an index document's folder URL with it, when the key matches", () => {
    expect(prefetched({ PURGE_PREFETCH: "docs/**" }, [change("docs/index.html")])).toEqual([
      "https://www.example.com/docs/index.html",
      "https://www.example.com/docs/",
    ]);
  });

  it("matches globs on the key without PURGE_KEY_PREFIX, as PURGE_INCLUDE does", () => {
    const env = { PURGE_KEY_PREFIX: "site/", PURGE_PREFETCH: "dl/*.apk" };
    expect(prefetched(env, [change("site/dl/a.apk"), change("dl/b.apk")])).toEqual([
      "https://www.example.com/dl/a.apk",
    ]);
  });

  it("warms only what is purged: a key PURGE_EXCLUDE keeps from purging is not warmed", () => {
    expect(prefetched({ PURGE_PREFETCH: "**", PURGE_EXCLUDE: "tmp/**" }, [change("tmp/a.apk")])).toEqual([]);
  });

  it("puts each site's prefetches in a prefetch lane of the site's zone or area", () => {
    const config = loadConfig({
      ...edgeone,
      cdnHosts: "cdn.example.com",
      CDN_AREA: "overseas",
      PURGE_PREFETCH: "*.mp4",
    });
    const changes = [change("v.mp4")];
    const lanes = toLanes(planPrefetches(changes, planPurges(changes, config).targets, config));
    expect(lanes).toEqual([
      {
        provider: "edgeone",
        scope: "zone-aaa",
        type: "prefetch_url",
        targets: ["https://www.example.com/v.mp4"],
      },
      {
        provider: "cdn",
        scope: "overseas",
        type: "prefetch_url",
        targets: ["https://cdn.example.com/v.mp4"],
      },
    ]);
  });
});
