/**
 * Records what real clients send for links to tricky object keys, into test/fixtures/client-spellings.json.
 * test/unit/urls.clients.test.ts then checks that the planner purges every recorded path that names the
 * same object, so CI needs no browser.
 *
 *     apt-get install -y chromium firefox-esr python3-requests   # whichever are wanted; absent ones are listed
 *     npx tsx scripts/capture-spellings.ts
 *
 * A local server on 127.0.0.1 records each request line as it arrives on the socket (not through Node's
 * HTTP parser, which would refuse some of them). Every request carries a `/<n>-<link>` prefix naming the
 * key and the way its link was built, so a raw `?`, `#`, `\` or tab in the key cannot hide which key a
 * request was for. Links are built the ways pages and programs build them:
 * - `raw`: "/" + key, as a page linking the stored file name (`<img src>`, `fetch`, `location`);
 * - `component`: "/" + each segment through `encodeURIComponent` (JavaScript front ends);
 * - `quote`: Python's `urllib.parse.quote(key)`, the RFC 3986 spelling (Python back ends).
 * Browsers load a page whose script `fetch`es each link in turn; `fetch` resolves the URL with the same
 * parser as `<a href>` and `<img src>`.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodePath } from "../src/plan/urls";

const FIXTURE = resolve(__dirname, "../test/fixtures/client-spellings.json");

/** Keys that have tripped URL code before: one tricky character class each, then a few combined. */
export const CAPTURE_KEYS = [
  "plain/file-name_1.0.js",
  "a b.png",
  "img/a+b (1).png",
  "img/a|b(1).png",
  "img/a+b|c.png",
  "a^b.png",
  "it's!(1)*.txt",
  "img/[x](1).png",
  "{braces}.txt",
  "100%.png",
  "%41.png",
  "~user/a~b.txt",
  "a;b,c=d&e$f@g:h.txt",
  "a\\b.png",
  "café.png",
  "图片/猫.png",
  "😀.png",
  "tab\there.txt",
  'q"<>`.txt',
  "why?.png",
  "#1.png",
  "a|^!+.png",
] as const;

type Link = "raw" | "component" | "quote";

interface Capture {
  readonly client: string;
  readonly link: Link;
  readonly key: string;
  /** The request-target as received, without the `/<n>-<link>` prefix; absent when nothing arrived. */
  readonly sent?: string;
  readonly sameObject: boolean;
  /** Why the request does not reach the key's object. */
  readonly note?: string;
}

interface Client {
  readonly name: string;
  readonly version: string;
  readonly how: string;
}

const componentLink = (key: string) => key.split("/").map(encodeURIComponent).join("/");

/** Why `sent` (for a link to `key`) does not name the object, or undefined when it does. */
export function notSameObject(key: string, sent: string | undefined): string | undefined {
  if (sent === undefined) return "no request arrived (the client refused the URL)";
  const query = sent.indexOf("?");
  if (query >= 0) return `a raw "?" starts a query: the path ${sent.slice(0, query)} names another object`;
  if (decodePath(sent) === `/${key}`) return undefined;
  if (key.includes("#") && !sent.includes("%23")) {
    return `a raw "#" starts a fragment, which is never sent: ${sent} names another object`;
  }
  return `${sent} decodes to ${JSON.stringify(decodePath(sent))}, another object`;
}

/** The page browsers load: it fetches every link, one after another, then `/__done`. */
function capturePage(): string {
  const keys = JSON.stringify(CAPTURE_KEYS).replaceAll("<", "\\u003c");
  return `<!doctype html><meta charset="utf-8"><title>capture</title><script>
const keys = ${keys};
(async () => {
  for (const [n, key] of keys.entries()) {
    const links = { raw: key, component: key.split("/").map(encodeURIComponent).join("/") };
    for (const [link, path] of Object.entries(links)) {
      try { await fetch("/" + n + "-" + link + "/" + path, { cache: "no-store" }); } catch {}
    }
  }
  await fetch("/__done");
})();
</script>`;
}

/** A server that records request lines; `/__page` serves the page, `/__done` ends a browser's run. */
async function startRecorder() {
  const lines: string[] = [];
  let done: () => void = () => {};
  const server = createServer((socket: Socket) => {
    let head = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      head += chunk;
      const end = head.indexOf("\r\n");
      if (end < 0) return;
      const line = head.slice(0, end);
      socket.removeAllListeners("data");
      lines.push(line);
      const target = line.split(" ")[1] ?? "";
      const body = target === "/__page" ? capturePage() : "";
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        "utf8",
      );
      if (target === "/__done") done();
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    /** Request lines received since the last call. */
    take: () => lines.splice(0),
    untilDone: (ms: number) =>
      new Promise<boolean>((finished) => {
        const timer = setTimeout(() => finished(false), ms);
        done = () => {
          clearTimeout(timer);
          finished(true);
        };
      }),
    close: () => server.close(),
  };
}

type Recorder = Awaited<ReturnType<typeof startRecorder>>;

/** Request lines → captures, one per key and link (a link whose request never arrived is recorded too). */
function toCaptures(client: string, links: readonly Link[], lines: readonly string[]): Capture[] {
  const sentBy = new Map<string, string>();
  for (const line of lines) {
    // Request lines are bytes; non-ASCII would arrive raw, read as Latin-1, and show as such.
    const match = /^GET \/(\d+)-(raw|component|quote)(\/.*) HTTP\/1\.[01]$/.exec(line);
    if (match) sentBy.set(`${match[1]}-${match[2]}`, match[3] ?? "");
  }
  return CAPTURE_KEYS.flatMap((key, n) =>
    links.map((link): Capture => {
      const sent = sentBy.get(`${n}-${link}`);
      const note = notSameObject(key, sent);
      return {
        client,
        link,
        key,
        ...(sent === undefined ? {} : { sent }),
        sameObject: note === undefined,
        ...(note === undefined ? {} : { note }),
      };
    }),
  );
}

const commandVersion = (command: string, args: string[]): string | undefined => {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
};

/** Runs a headless browser on the capture page until the page reports done (or 60 s pass). */
async function captureBrowser(
  recorder: Recorder,
  name: string,
  command: string,
  args: (url: string, profile: string) => string[],
  prepare: (profile: string) => void = () => {},
): Promise<{ client?: Client; captures: Capture[] }> {
  const version = commandVersion(command, ["--version"]);
  if (version === undefined) return { captures: [] };
  const profile = mkdtempSync(join(tmpdir(), `capture-${name}-`));
  prepare(profile);
  recorder.take();
  const child = spawn(command, args(`${recorder.base}/__page`, profile), { stdio: "ignore" });
  const finished = await recorder.untilDone(60_000);
  child.kill("SIGTERM");
  await new Promise((exited) => child.once("exit", exited));
  rmSync(profile, { recursive: true, force: true });
  if (!finished) throw new Error(`${name} did not finish loading the capture page within 60 s`);
  const how = "fetch() of each link from a page it loaded (same URL parser as <a href> and <img src>)";
  return {
    client: { name, version, how },
    captures: toCaptures(name, ["raw", "component"], recorder.take()),
  };
}

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--no-proxy-server",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Firefox preferences that keep a fresh profile quiet and off the network. */
const FIREFOX_PREFS = {
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.reportingpolicy.firstRun": false,
  "app.update.enabled": false,
  "network.proxy.type": 0,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "extensions.update.enabled": false,
};

async function captureNodeFetch(recorder: Recorder): Promise<{ client: Client; captures: Capture[] }> {
  recorder.take();
  for (const [n, key] of CAPTURE_KEYS.entries()) {
    for (const [link, path] of [
      ["raw", key],
      ["component", componentLink(key)],
    ] as const) {
      await fetch(`${recorder.base}/${n}-${link}/${path}`).catch(() => undefined);
    }
  }
  const version = `Node ${process.version} (undici ${process.versions.undici ?? "?"})`;
  return {
    client: { name: "node-fetch", version, how: "global fetch() of each link" },
    captures: toCaptures("node-fetch", ["raw", "component"], recorder.take()),
  };
}

const PYTHON = `
import sys, json, requests, urllib.parse
base, keys = sys.argv[1], json.loads(sys.argv[2])
session = requests.Session()
session.trust_env = False  # no proxy from the environment: the server is on loopback
for n, key in enumerate(keys):
    for link, path in (("raw", key), ("quote", urllib.parse.quote(key))):
        try:
            session.get(f"{base}/{n}-{link}/{path}", timeout=5)
        except Exception:
            pass
`;

async function capturePythonRequests(recorder: Recorder): Promise<{ client?: Client; captures: Capture[] }> {
  const version = commandVersion("python3", [
    "-c",
    "import sys, requests, urllib3; print(f'Python {sys.version.split()[0]}, requests {requests.__version__}, urllib3 {urllib3.__version__}')",
  ]);
  if (version === undefined) return { captures: [] };
  recorder.take();
  await new Promise<void>((finished, failed) => {
    const child = spawn("python3", ["-c", PYTHON, recorder.base, JSON.stringify(CAPTURE_KEYS)], {
      stdio: "inherit",
    });
    child.once("error", failed);
    child.once("exit", () => finished());
  });
  return {
    client: { name: "python-requests", version, how: "requests.Session().get() of each link" },
    captures: toCaptures("python-requests", ["raw", "quote"], recorder.take()),
  };
}

async function main() {
  const recorder = await startRecorder();
  const absent: string[] = [];
  const clients: Client[] = [];
  const captures: Capture[] = [];
  const add = (name: string, result: { client?: Client; captures: Capture[] }) => {
    if (result.client === undefined) absent.push(name);
    else clients.push(result.client);
    captures.push(...result.captures);
  };
  try {
    add(
      "chromium",
      await captureBrowser(recorder, "chromium", "chromium", (url, profile) => [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        url,
      ]),
    );
    add(
      "firefox",
      await captureBrowser(
        recorder,
        "firefox",
        "firefox-esr",
        (url, profile) => ["--headless", "--no-remote", "--profile", profile, url],
        (profile) =>
          writeFileSync(
            join(profile, "user.js"),
            Object.entries(FIREFOX_PREFS)
              .map(([pref, value]) => `user_pref(${JSON.stringify(pref)}, ${JSON.stringify(value)});\n`)
              .join(""),
          ),
      ),
    );
    add("node-fetch", await captureNodeFetch(recorder));
    add("python-requests", await capturePythonRequests(recorder));
  } finally {
    recorder.close();
  }
  const fixture = {
    about:
      "What real clients sent for links to these object keys, recorded by scripts/capture-spellings.ts " +
      "(`npx tsx scripts/capture-spellings.ts` refreshes it). `sent` is the request-target after the " +
      "/<n>-<link> prefix; `sameObject` says whether it names the key's object.",
    capturedAt: new Date().toISOString().slice(0, 10),
    clients,
    absent,
    keys: CAPTURE_KEYS,
    captures,
  };
  writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 2)}\n`);
  process.stdout.write(
    `${captures.length} captures from ${clients.map((client) => client.version).join("; ")}` +
      `${absent.length > 0 ? `; absent: ${absent.join(", ")}` : ""}\n→ ${FIXTURE}\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
