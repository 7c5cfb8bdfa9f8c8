/**
 * Permissions as the code uses them: every action the adapters and the backlog send is in the table the
 * CAM policies are generated from (src/providers/permissions.ts), and a permission refused for one action
 * stops only that action. Real SDKs against the emulator; assertions on the calls it received.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { silentLogger } from "../../src/foundation/log";
import type { Lane, Purger, TaskType } from "../../src/foundation/model";
import {
  CDN_ACTIONS,
  COS_BUCKET_ACTIONS,
  COS_OBJECT_ACTIONS,
  COS_OPERATIONS_AUTHORISED_BY,
  TEO_ACTIONS,
} from "../../src/foundation/permissions";
import { createCdnPurger } from "../../src/providers/cdn";
import { credentialsFromEnv } from "../../src/providers/credentials";
import { createEdgeOnePurger } from "../../src/providers/edgeone";
import { backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { EMULATOR_CREDENTIALS } from "../support/built-function";
import { cosEvent, cosRecord, timerEvent } from "../support/events";
import { FakeClock } from "../support/fake-clock";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
  emulator.configure({ cdn: { domains: ["cdn.example.com"] }, tasks: { processingMs: 0 } });
});

const ZONE = "zone-emulator";
const TYPES: readonly TaskType[] = ["purge_url", "purge_prefix", "prefetch_url"];

function adapters() {
  const options = {
    endpoint: { protocol: "http://" as const, host: emulator.endpoint },
    requestTimeoutMs: 5_000,
    credentials: () => credentialsFromEnv(EMULATOR_CREDENTIALS),
  };
  return {
    edgeone: createEdgeOnePurger(options),
    cdn: createCdnPurger({ ...options, prefetchArea: "global" }),
  };
}

/** Calls every method of `purger` for every task type, by task id and by time. */
async function exercise(purger: Purger, scope: string, host: string): Promise<void> {
  for (const type of TYPES) {
    const target = type === "purge_prefix" ? `https://${host}/img/` : `https://${host}/a.png`;
    const { taskId } = await purger.submit(scope, [target], { type });
    await purger.describeQuota(scope, { type });
    await purger.describeTasks({ scope, type, taskId });
    await purger.describeTasks({ scope, type, since: Date.now() - 60_000 });
  }
}

const actionsSent = (service: string) =>
  new Set(
    emulator
      .calls()
      .filter((call) => call.service === service)
      .map((call) => call.action),
  );

describe("the permissions table", () => {
  it("holds every action the EdgeOne adapter sends, and no action it never sends", async () => {
    await exercise(adapters().edgeone, ZONE, "www.example.com");
    expect([...actionsSent("teo")].sort()).toEqual(Object.keys(TEO_ACTIONS).sort());
  });

  it("holds every action the CDN adapter sends, and no action it never sends", async () => {
    await exercise(adapters().cdn, "", "cdn.example.com");
    expect([...actionsSent("cdn")].sort()).toEqual(Object.keys(CDN_ACTIONS).sort());
  });

  it("holds every COS action the backlog sends, queueing and draining", async () => {
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "queue", PURGE_WINDOW_MS: "200" });
    await invoke(cosEvent(cosRecord({ key: "a.png" })));
    await invoke(timerEvent());

    const granted = [...Object.keys(COS_OBJECT_ACTIONS), ...Object.keys(COS_BUCKET_ACTIONS)];
    const authorisedBy: Readonly<Record<string, string>> = COS_OPERATIONS_AUTHORISED_BY;
    const sent = actionsSent("cos");
    expect(sent.size).toBeGreaterThan(0);
    // A settled entry leaves by DELETE Multiple Objects, which CAM checks as cos:DeleteObject per key.
    expect(sent).toContain("DeleteMultipleObjects");
    for (const action of sent) expect(granted).toContain(authorisedBy[action] ?? action);
  });
});

describe("a refused permission", () => {
  const clock = new FakeClock(Date.now());
  const cdnLanes: Lane[] = [
    { provider: "cdn", scope: "", type: "purge_prefix", targets: ["https://cdn.example.com/img/"] },
    {
      provider: "cdn",
      scope: "",
      targets: ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"],
    },
  ];
  const execute = (lanes: readonly Lane[]) =>
    executePlan(lanes, {
      purgers: { cdn: adapters().cdn },
      quota: new QuotaBook(clock),
      limiter: createRateLimiter(clock),
      clock,
      deadline: clock.now() + 60_000,
      requestTimeoutMs: 5_000,
      maxAttempts: 1,
      log: silentLogger,
    });
  const accepted = (action: string) =>
    emulator.calls().filter((call) => call.action === action && call.error === null).length;

  it("stops only its own action: a refused folder purge leaves the URL purges going", async () => {
    emulator.configure({
      faults: [{ action: "PurgePathCache", kind: "error", code: "UnauthorizedOperation.CdnCamUnauthorized" }],
    });
    const execution = await execute(cdnLanes);

    expect(accepted("PurgeUrlsCache")).toBe(1);
    expect(execution.purged).toEqual(cdnLanes[1]?.targets);
    expect(execution.failures).toEqual([
      expect.objectContaining({
        code: "UnauthorizedOperation.CdnCamUnauthorized",
        targets: cdnLanes[0]?.targets,
      }),
    ]);
  });

  it("stops that action's other lanes in the same area without calling again", async () => {
    emulator.configure({
      faults: [{ action: "PurgePathCache", kind: "error", code: "UnauthorizedOperation.CdnCamUnauthorized" }],
    });
    const second = { ...cdnLanes[0], targets: ["https://cdn.example.com/css/"] } as Lane;
    // Two lanes of one action and area (as two drains' queues would be), executed in one run.
    const execution = await execute([cdnLanes[0] as Lane, second]);

    expect(emulator.calls().filter((call) => call.action === "PurgePathCache")).toHaveLength(1);
    expect(execution.failures.flatMap((failure) => failure.targets)).toEqual([
      "https://cdn.example.com/img/",
      "https://cdn.example.com/css/",
    ]);
  });

  it("refused credentials still stop every call to the provider", async () => {
    emulator.configure({
      faults: [{ action: "PurgePathCache", kind: "error", code: "AuthFailure.SecretIdNotFound" }],
    });
    const execution = await execute(cdnLanes);

    expect(emulator.calls().filter((call) => call.action === "PurgeUrlsCache")).toHaveLength(0);
    expect(execution.purged).toEqual([]);
  });
});
