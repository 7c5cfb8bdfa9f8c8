/**
 * What dist/index.js leaves out so that cold starts stay cheap: the SDK dependencies scripts/build.mjs
 * replaces with stubs, and zod's classic API with its locales. Every new instance pays for what the
 * bundle holds, in its `require` and again on its first SDK load (measured when they were left out:
 * 1274 → 261 KiB, `require` plus the first purge ~154 → ~70 ms; 363 KiB since the backlog, the drain and
 * prefetch). That the bundle still purges end to end is test/integration/function.test.ts.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { inspect } from "node:util";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM build script without type declarations
import { CLI_BUILD, COS_SDK_BUILD, FUNCTION_BUILD, SHIMS } from "../../scripts/build.mjs";

const ROOT = resolve(__dirname, "../..");
const requireFromScripts = createRequire(resolve(ROOT, "scripts/build.mjs"));

/** A bundle's text, and the files that put code in it (esbuild also lists files it tree-shook to nothing). */
interface Bundle {
  readonly text: string;
  readonly inputs: string[];
}

/** The build that wrote `outfile` (vitest's globalSetup), again, keeping esbuild's account of it. */
async function rebuild(options: BuildOptions, outfile: string): Promise<Bundle> {
  const { outputFiles = [], metafile } = await build({
    ...options,
    absWorkingDir: ROOT,
    write: false,
    metafile: true,
  });
  const output = outputFiles.find((file) => file.path === resolve(ROOT, outfile));
  const account: Metafile["outputs"][string] | undefined = metafile?.outputs[outfile];
  if (output === undefined || account === undefined) throw new Error(`esbuild built no ${outfile}`);
  const inputs = Object.entries(account.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0);
  return { text: output.text, inputs: inputs.map(([input]) => input) };
}

/** Input files of a bundle that belong to a package: `node_modules/<name>/...`. */
const packageFiles = (bundle: Bundle, name: string): string[] =>
  bundle.inputs.filter((input) => input.includes(`node_modules/${name}/`));

let bundle: Bundle;

beforeAll(async () => {
  bundle = await rebuild(FUNCTION_BUILD, "dist/index.js");
});

const filesOf = (name: string): string[] => packageFiles(bundle, name);

describe("dist/index.js", () => {
  it("is the bundle this test analyses", () => {
    expect(readFileSync(resolve(ROOT, "dist/index.js"), "utf8")).toBe(bundle.text);
  });

  it("holds the SDK it needs (the account below is not empty)", () => {
    expect(filesOf("tencentcloud-sdk-nodejs-common")).not.toEqual([]);
    expect(filesOf("node-fetch")).not.toEqual([]);
  });

  it.each([
    ["form-data", "multipart uploads"],
    ["mime-db", "form-data's content types, 134 KiB"],
    ["whatwg-url", "node-fetch's fallback for a URL Node has"],
    ["tr46", "whatwg-url's IDNA table, 260 KiB"],
  ])("leaves out %s (%s)", (name) => {
    expect(filesOf(name)).toEqual([]);
  });

  it("leaves the COS SDK to dist/cos-sdk.js, loaded by the first backlog access only", () => {
    for (const name of ["cos-nodejs-sdk-v5", "cos-request", "sshpk", "psl", "tough-cookie"]) {
      expect(filesOf(name)).toEqual([]);
    }
    expect(bundle.text).toContain('import("./cos-sdk.js")');
  });

  it("takes zod/mini alone: neither the classic API nor any locale", () => {
    expect(filesOf("zod").filter((file) => /\/v4\/(classic|locales)\//.test(file))).toEqual([]);
    expect(filesOf("zod").some((file) => file.includes("/v4/mini/"))).toBe(true);
  });

  // SCF's Nodejs16.13 runs it (Tencent's EdgeOne template's runtime). esbuild's `target: "node16"`
  // lowers syntax, not library calls: each of these throws there ("AbortSignal.timeout is not a
  // function" failed every purge). The CI smoke (scripts/node-smoke.mjs) runs the bundle on 16.13.2.
  it.each([
    ["AbortSignal.timeout", "Node 17.3"],
    ["AbortSignal.any", "Node 20.3"],
    ["structuredClone", "Node 17.0"],
    [".findLast(", "Node 18.0"],
    [".findLastIndex(", "Node 18.0"],
    [".toSorted(", "Node 20.0"],
    ["throwIfAborted", "Node 17.3"],
    ["Promise.withResolvers", "Node 22.0"],
    ["Object.groupBy", "Node 21.0"],
    ["globalThis.fetch", "Node 18.0"],
  ])("calls no %s (%s; SCF's Nodejs16.13 has none)", (api) => {
    const uses = bundle.text.split(api).slice(1, 4);
    // The code before each use names the culprit without printing the whole bundle.
    expect(uses.map((_, at) => bundle.text.split(api)[at]?.slice(-80))).toEqual([]);
  });

  it("stays under 400 KiB (363 KiB with the backlog and the drain; 1274 KiB before the stubs)", () => {
    expect(Buffer.byteLength(bundle.text)).toBeLessThan(400 * 1024);
  });
});

// `npx cos-purge` downloads and parses it on every run, the emulator included.
describe("dist/cli.js", () => {
  let cli: Bundle;

  beforeAll(async () => {
    cli = await rebuild(CLI_BUILD, "dist/cli.js");
  });

  it("is the bundle this test analyses", () => {
    expect(readFileSync(resolve(ROOT, "dist/cli.js"), "utf8")).toBe(cli.text);
  });

  it("takes zod/mini alone, with the English messages the emulator gives: no classic API, no other locale", () => {
    const zod = packageFiles(cli, "zod");
    // locales/index.js leaves esbuild's 69-byte module stub, none of the locales it names.
    expect(zod.filter((file) => /\/v4\/classic\/|\/v4\/locales\/(?!(en|index)\.js$)/.test(file))).toEqual([]);
    expect(zod.some((file) => file.endsWith("/v4/locales/en.js"))).toBe(true);
  });

  it("stays under 600 KiB (1,010 KiB with classic zod in the emulator)", () => {
    expect(Buffer.byteLength(cli.text)).toBeLessThan(600 * 1024);
  });
});

// Loaded by the first backlog access of every instance (in `auto`, by every instance that looks at the
// busy marks): 20 instances of a burst load it at once, and ramping instances of a stream load it while
// others cold-start. The HTTP client's cookies, HTTP signatures, AWS signing and Content-Type table, and
// qs's object-inspect, were 656 of its 982 KiB and ~80 of its ~120 ms `require` (medians of 15
// processes; ~39 ms without them).
describe("dist/cos-sdk.js", () => {
  let cosSdk: Bundle;

  beforeAll(async () => {
    cosSdk = await rebuild(COS_SDK_BUILD, "dist/cos-sdk.js");
  });

  it("is the bundle this test analyses", () => {
    expect(readFileSync(resolve(ROOT, "dist/cos-sdk.js"), "utf8")).toBe(cosSdk.text);
  });

  it("holds the SDK, its HTTP client and the query-string and XML code the backlog's requests use", () => {
    for (const name of ["cos-nodejs-sdk-v5", "cos-request", "qs", "cos-fast-xml-parser"]) {
      expect(packageFiles(cosSdk, name)).not.toEqual([]);
    }
  });

  it.each([
    ["tough-cookie", "cookies, for requests with a jar"],
    ["psl", "tough-cookie's public suffix list, 157 KiB"],
    ["http-signature", "HTTP signatures, for requests with httpSignature"],
    ["sshpk", "http-signature's key formats, 133 KiB"],
    ["tweetnacl", "sshpk's curves"],
    ["aws4", "AWS signing, for requests with aws"],
    ["aws-sign2", "AWS signing, for requests with aws"],
    ["mime-types", "Content-Type by file name, for file read streams"],
    ["mime-db", "mime-types' table, 134 KiB"],
    ["object-inspect", "qs's side channels' error messages, 25 KiB"],
  ])("leaves out %s (%s)", (name) => {
    expect(packageFiles(cosSdk, name)).toEqual([]);
  });

  it("stays under 400 KiB (326 KiB without the unused parts of its HTTP client; 982 KiB before)", () => {
    expect(Buffer.byteLength(cosSdk.text)).toBeLessThan(400 * 1024);
  });
});

describe("the stubs", () => {
  it("fail a multipart request loudly, should the SDK ever send one", () => {
    const FormData = requireFromScripts("./shims/form-data.cjs");
    expect(() => new FormData()).toThrow("multipart requests are not used by cos-purge");
  });

  it("give node-fetch Node's own WHATWG URL", () => {
    expect(requireFromScripts("./shims/whatwg-url.cjs")).toEqual({ URL, URLSearchParams });
  });

  it("let the COS SDK's HTTP client build its global cookie jar, and fail any use of it loudly", () => {
    const { CookieJar, Cookie } = requireFromScripts("./shims/tough-cookie.cjs");
    const jar = new CookieJar(undefined, { looseMode: true });
    for (const use of [
      () => jar.setCookieSync("a=b", "https://example.com/", {}),
      () => jar.getCookieStringSync("https://example.com/"),
      () => jar.getCookiesSync("https://example.com/"),
      () => Cookie.parse("a=b", { loose: true }),
    ]) {
      expect(use).toThrow("cookies are not used by cos-purge");
    }
  });

  it.each([
    ["http-signature.cjs", "signRequest", "HTTP signatures are not used by cos-purge"],
    ["aws-signing.cjs", "sign", "AWS request signing is not used by cos-purge"],
    ["aws-signing.cjs", "canonicalizeHeaders", "AWS request signing is not used by cos-purge"],
    ["aws-signing.cjs", "canonicalizeResource", "AWS request signing is not used by cos-purge"],
    ["aws-signing.cjs", "authorization", "AWS request signing is not used by cos-purge"],
    ["mime-types.cjs", "lookup", "content types by file name are not used by cos-purge"],
  ])("fail loudly should the COS SDK ever reach them: %s %s", (shim, method, message) => {
    expect(() => requireFromScripts(`./shims/${shim}`)[method]()).toThrow(message);
  });

  it("give qs's side channels Node's own inspect for the message of a check qs never makes", () => {
    expect(requireFromScripts("./shims/object-inspect.cjs")).toBe(inspect);
  });

  it.each(Object.entries(SHIMS as Record<string, { shim: string }>))(
    "are refused to an importer whose use of the module nobody has read: %s",
    async (name, { shim }) => {
      const importsIt = {
        contents: `require(${JSON.stringify(name)})`,
        resolveDir: ROOT,
        sourcefile: "new-dependency.js",
      };
      const attempt = build({
        ...FUNCTION_BUILD,
        entryPoints: undefined,
        stdin: importsIt,
        write: false,
        logLevel: "silent",
      });
      await expect(attempt).rejects.toThrow(
        `${name} is replaced by scripts/shims/${shim}, but ${resolve(ROOT, "new-dependency.js")} imports it`,
      );
    },
  );
});
