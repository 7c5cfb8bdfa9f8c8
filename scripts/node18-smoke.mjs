// The built function (dist/index.js) end to end under the Node.js that SCF runs (Nodejs18.15), where
// the project itself builds and tests with Node 20.19+. Usage, after `npm run build`:
//
//     node scripts/node18-smoke.mjs /path/to/node18
//
// This Node (20) starts the emulator (dist/cli.js emulator); the given Node loads dist/index.js, copied
// with dist/cos-sdk.js alone into an empty folder as SCF deploys them, and calls main_handler on a COS
// event with EdgeOne and CDN configured, once purging at once and once queueing to the backlog in COS.
// Passes when that Node is 18.x, the emulator received exactly the two purges of the first, and its COS
// the backlog writes of the second. `.ci/run` passes it Debian's nodejs 18, extracted.
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const [node18] = process.argv.slice(2);
if (!node18) {
  console.error("usage: node scripts/node18-smoke.mjs <node 18 executable>");
  process.exit(2);
}

const fail = (message) => {
  console.error(`node18-smoke: FAILED: ${message}`);
  process.exitCode = 1;
};

const emulator = spawn(process.execPath, [join(ROOT, "dist/cli.js"), "emulator", "--port", "0"], {
  stdio: ["ignore", "pipe", "ignore"],
});
const dir = mkdtempSync(join(tmpdir(), "cos-purge-node18-"));
try {
  const first = await createInterface({ input: emulator.stdout })[Symbol.asyncIterator]().next();
  const url = String(first.value ?? "");
  if (!url.startsWith("http://127.0.0.1:")) throw new Error(`the emulator did not start (said ${url})`);

  // What the upload zip holds (scripts/package.mjs): the function, and the COS SDK it loads for the backlog.
  for (const file of ["index.js", "cos-sdk.js"]) {
    if (existsSync(join(ROOT, "dist", file))) copyFileSync(join(ROOT, "dist", file), join(dir, file));
  }
  const event = {
    Records: [
      {
        cos: {
          cosSchemaVersion: "1.0",
          cosObject: {
            url: "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/img/%E6%96%B0%20a.png",
            meta: { "x-cos-request-id": "node18-smoke-1" },
            vid: "",
            key: "/1250000000/examplebucket/img/新 a.png",
            size: 1024,
          },
          cosBucket: { region: "gz", name: "examplebucket", appid: "1250000000" },
          cosNotificationId: "unknown",
        },
        event: {
          eventName: "cos:ObjectCreated:Put",
          eventVersion: "1.0",
          eventTime: 1_700_000_000,
          eventSource: "qcs::cos",
        },
      },
    ],
  };
  /** One cold start and invocation under the given Node, with these settings besides the emulator's. */
  const invoke = async (settings) => {
    const script = `require("./index.js").main_handler(${JSON.stringify(event)}, { request_id: "node18-smoke", time_limit_in_ms: 10000 })
      .then((summary) => console.log(JSON.stringify({ node: process.version, summary })),
        (error) => { console.error(error.stack); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(node18, ["-e", script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ZoneId: "zone-emulator",
        eoDomains: "www.example.com",
        cdnHosts: "cdn.example.com",
        PURGE_URL_SPELLINGS: "browser",
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
  const calls = async () => (await fetch(`${url}/_emulator/calls`)).json();

  // 1. Purged at once, through the teo and cdn SDKs.
  const { node, summary } = await invoke({ PURGE_MODE: "direct" });
  const purges = (await calls())
    .filter((call) => call.action === "CreatePurgeTask" || call.action === "PurgeUrlsCache")
    .map(
      (call) =>
        `${call.action} ${JSON.stringify(call.params.Targets ?? call.params.Urls)} ${call.error ?? "ok"}`,
    )
    .sort();
  const expected = [
    'CreatePurgeTask ["https://www.example.com/img/%E6%96%B0%20a.png"] ok',
    'PurgeUrlsCache ["https://cdn.example.com/img/%E6%96%B0%20a.png"] ok',
  ];
  if (!/^v18\./.test(node)) fail(`${node18} is Node ${node}, not 18.x`);
  if (summary?.purged !== 2 || summary?.failed !== 0) fail(`summary ${JSON.stringify(summary)}`);
  if (JSON.stringify(purges) !== JSON.stringify(expected)) {
    fail(`the emulator received ${JSON.stringify(purges)}, expected ${JSON.stringify(expected)}`);
  }

  // 2. Queued to the backlog in COS, through the COS SDK (dist/cos-sdk.js).
  const seen = (await calls()).length;
  const queued = await invoke({ PURGE_MODE: "queue" });
  const writes = (await calls())
    .slice(seen)
    .filter((call) => call.service === "cos" && call.action === "PutObject" && call.error === null);
  if (queued.summary?.route !== "queued" || queued.summary?.failed !== 0) {
    fail(`queue mode: summary ${JSON.stringify(queued.summary)}`);
  }
  if (writes.length === 0) fail("queue mode: the emulator's COS received no PutObject");

  if (!process.exitCode) {
    console.log(
      `node18-smoke: dist/index.js on Node ${node} purged on EdgeOne and CDN (${purges.join("; ")}), ` +
        `and queued to the backlog with ${writes.length} COS PutObject`,
    );
  }
} catch (error) {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  emulator.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
