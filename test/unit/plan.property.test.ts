import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config";
import type { ObjectChange } from "../../src/foundation/model";
import { planPurges, splitBatches, toLanes } from "../../src/plan/plan";

const tricky = fc.constantFrom(..."/.%?# +()é中😀", "index.html", "..");
const key = fc.oneof(
  fc.string({ unit: "binary", minLength: 1 }),
  fc.string({ unit: tricky, minLength: 1, maxLength: 8 }),
);

const changes = fc.array(
  fc.record({
    key,
    kind: fc.constantFrom("created" as const, "removed" as const),
    eventName: fc.constant("cos:ObjectCreated:Put"),
    bucket: fc.constant("b-1250000000"),
    region: fc.constant("ap-guangzhou"),
    record: fc.nat().map(String),
    version: fc.string(),
  }),
  { maxLength: 12 },
);

/** Overlapping sites on purpose: the same host in two zones, on CDN, and under a base path. */
const config = fc
  .record({
    eoDomains: fc.constantFrom(
      "www.example.com",
      "www.example.com, img.example.com",
      "https://www.example.com/static",
    ),
    eoDomains_1: fc.constantFrom("", "www.example.com"),
    cdnHosts: fc.constantFrom("", "www.example.com", "cdn.example.com/v1"),
    PURGE_URL_SPELLINGS: fc.constantFrom("chromium", "browser", "browser,rfc3986", "all"),
    PURGE_INDEX_DOCUMENT: fc.constantFrom("", "index.html"),
  })
  .map((env) =>
    loadConfig({ ZoneId: "zone-aaa", ...(env.eoDomains_1 ? { ZoneId_1: "zone-bbb" } : {}), ...env }),
  );

const reachable = (change: ObjectChange) =>
  !change.key.split("/").some((segment) => segment === "." || segment === "..");

describe("planPurges, for any changes", () => {
  it("plans each URL of a lane once, never with a raw ? or #", () => {
    fc.assert(
      fc.property(changes, config, (list, settings) => {
        const { targets } = planPurges(list, settings);
        const ids = targets.map((target) => `${target.provider} ${target.scope} ${target.url}`);
        expect(new Set(ids).size).toBe(ids.length);
        for (const target of targets) expect(target.url).not.toMatch(/[?#]/);
      }),
    );
  });

  it("purges every change on every site, or says why not", () => {
    fc.assert(
      fc.property(changes, config, (list, settings) => {
        const { targets, skipped } = planPurges(list, settings);
        for (const change of list) {
          if (!reachable(change)) {
            expect(skipped).toContainEqual(
              expect.objectContaining({ record: change.record, key: change.key }),
            );
            continue;
          }
          for (const site of settings.sites) {
            const onSite = targets.filter(
              (target) =>
                target.url.startsWith(`${site.origin}${site.basePath}/`) && target.keys.includes(change.key),
            );
            expect(onSite.length).toBeGreaterThan(0);
          }
        }
      }),
    );
  });

  it("says which spellings each target is, each one a configured spelling", () => {
    fc.assert(
      fc.property(changes, config, (list, settings) => {
        for (const target of planPurges(list, settings).targets) {
          expect(target.spellings?.length).toBeGreaterThan(0);
          for (const spelling of target.spellings ?? []) expect(settings.spellings).toContain(spelling);
        }
      }),
    );
  });

  it("lists in a target only keys that changed", () => {
    fc.assert(
      fc.property(changes, config, (list, settings) => {
        const changed = new Set(list.map((change) => change.key));
        for (const target of planPurges(list, settings).targets) {
          expect(target.keys.length).toBeGreaterThan(0);
          for (const targetKey of target.keys) expect(changed.has(targetKey)).toBe(true);
        }
      }),
    );
  });
});

describe("toLanes and splitBatches", () => {
  it("put every planned target in exactly one lane and one batch, in order", () => {
    fc.assert(
      fc.property(changes, config, fc.integer({ min: 1, max: 5 }), (list, settings, batch) => {
        const { targets } = planPurges(list, settings);
        const lanes = toLanes(targets);
        for (const lane of lanes) {
          const mine = targets.filter(
            (target) => target.provider === lane.provider && target.scope === lane.scope,
          );
          expect(lane.targets).toEqual(mine.map((target) => target.url));
          const batches = splitBatches(lane.targets, batch);
          expect(batches.flat()).toEqual(lane.targets);
          for (const chunk of batches) expect(chunk.length).toBeGreaterThan(0);
          for (const chunk of batches.slice(0, -1)) expect(chunk.length).toBe(batch);
        }
        expect(lanes.reduce((sum, lane) => sum + lane.targets.length, 0)).toBe(targets.length);
      }),
    );
  });
});
