/**
 * The planner against what real clients sent: test/fixtures/client-spellings.json, recorded by
 * scripts/capture-spellings.ts (see the README on refreshing it), so no browser is needed here.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config";
import { planPurges } from "../../src/plan/plan";
import { decodePath } from "../../src/plan/urls";
import fixture from "../fixtures/client-spellings.json";

const ORIGIN = "https://www.example.com";
const config = loadConfig({ ZoneId: "zone-aaa", eoDomains: ORIGIN, PURGE_INDEX_DOCUMENT: "" });

const plannedPaths = (key: string): string[] =>
  planPurges(
    [
      {
        key,
        kind: "created",
        eventName: "cos:ObjectCreated:Put",
        bucket: "b",
        region: "",
        record: "0",
        version: "v",
      },
    ],
    config,
  ).targets.map((target) => target.url.slice(ORIGIN.length));

/** Whether a request-target names the key's object: no query, and the path decodes to the key. */
const namesObject = (key: string, sent: string | undefined): boolean =>
  sent !== undefined && !sent.includes("?") && decodePath(sent) === `/${key}`;

const sameObject = fixture.captures.filter((capture) => capture.sameObject);
const otherObject = fixture.captures.filter((capture) => !capture.sameObject);

describe("the recorded clients", () => {
  it("are Chromium, Firefox, Node fetch and Python requests, each with its version", () => {
    expect(fixture.clients.map((client) => client.name)).toEqual([
      "chromium",
      "firefox",
      "node-fetch",
      "python-requests",
    ]);
    for (const client of fixture.clients) {
      expect(client.version).toMatch(/\d+\.\d+/);
      expect(fixture.captures.filter((capture) => capture.client === client.name)).toHaveLength(
        fixture.keys.length * 2,
      );
    }
  });

  it("are classified right: a path names the object when it has no query and decodes to the key", () => {
    for (const capture of fixture.captures) {
      expect([capture.key, capture.sent, namesObject(capture.key, capture.sent)]).toEqual([
        capture.key,
        capture.sent,
        capture.sameObject,
      ]);
    }
  });

  it("say why a request does not reach the object: a raw ? or #, or a character the URL parser rewrote", () => {
    expect(otherObject.length).toBeGreaterThan(0);
    for (const capture of otherObject) expect(capture.note).toEqual(expect.any(String));
    const keys = new Set(otherObject.map((capture) => capture.key));
    expect(keys).toEqual(new Set(["why?.png", "#1.png", "%41.png", "a\\b.png", "tab\there.txt"]));
  });
});

describe("planPurges, for every key in the fixture", () => {
  it.each(sameObject.map((capture) => [capture.sent, capture.client, capture.link, capture.key] as const))(
    "purges %s, which %s sent for a %s link to %j",
    (sent, _client, _link, key) => {
      expect(plannedPaths(key)).toContain(sent);
    },
  );

  it("purges no URL that no recorded client sent, so no quota is spent on a spelling nobody requests", () => {
    for (const key of fixture.keys) {
      const sent = sameObject.filter((capture) => capture.key === key).map((capture) => capture.sent);
      for (const path of plannedPaths(key))
        expect([key, sent]).toEqual([key, expect.arrayContaining([path])]);
    }
  });

  it("purges one URL for a plain key", () => {
    expect(plannedPaths("plain/file-name_1.0.js")).toEqual(["/plain/file-name_1.0.js"]);
  });
});
