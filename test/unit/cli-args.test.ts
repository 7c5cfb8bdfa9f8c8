/** The CLI's argument reader and --since: the pure parts of the command line. */
import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/args";
import { exitCodeFor } from "../../src/cli/exit-codes";
import { formatDuration, progressLine } from "../../src/cli/progress";
import { parseSince } from "../../src/cli/tasks-command";

const specs = {
  help: { type: "boolean", short: "h" },
  prefix: { type: "boolean" },
  port: { type: "string", value: "N" },
} as const;

describe("parseCommandLine", () => {
  it("takes values that start with a dash when they are numbers or stdin", () => {
    expect(parseCommandLine(["--port", "-1"], specs, false).values.port).toBe("-1");
    expect(parseCommandLine(["--port", "-"], specs, false).values.port).toBe("-");
    expect(parseCommandLine(["--port=--x"], specs, false).values.port).toBe("--x");
  });

  it("keeps -, and everything after --, as positionals; -h is --help", () => {
    expect(parseCommandLine(["-", "--", "--prefix", "-h"], specs, true)).toEqual({
      values: {},
      positionals: ["-", "--prefix", "-h"],
    });
    expect(parseCommandLine(["-h"], specs, false).values.help).toBe(true);
  });

  it("takes a switch given twice as one switch", () => {
    expect(parseCommandLine(["--prefix", "--prefix"], specs, false).values.prefix).toBe(true);
  });

  it.each([
    [["--nope"], "unknown option --nope"],
    [["-x"], "unknown option -x"],
    [["--port"], "--port needs a value (N)"],
    [["--port", "--prefix"], "--port needs a value (N) (got the option --prefix"],
    [["--prefix=1"], "--prefix takes no value"],
    [["stray"], 'unexpected argument "stray"'],
    [["--port", "1", "--port", "2"], '--port is given twice ("1" and "2"); it takes one N'],
    [["--port=1", "--port", "1"], '--port is given twice ("1" and "1")'],
  ])("refuses %j naming the flag", (argv, message) => {
    expect(() => parseCommandLine(argv, specs, false)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, specs, false)).toThrow(message);
  });
});

describe("parseSince", () => {
  const now = Date.UTC(2026, 10, 26, 12);

  it("reads durations and dates, up to 7 days back", () => {
    expect(parseSince("90s", now)).toBe(now - 90_000);
    expect(parseSince("1h", now)).toBe(now - 3_600_000);
    expect(parseSince("7d", now)).toBe(now - 7 * 86_400_000);
    expect(parseSince("2026-11-26T08:00:00Z", now)).toBe(Date.UTC(2026, 10, 26, 8));
  });

  it.each(["8d", "1w", "yesterday", "2026-12-01T00:00:00Z"])("refuses %s", (text) => {
    expect(() => parseSince(text, now)).toThrow(UsageError);
  });
});

describe("exit codes", () => {
  it("maps errors by code: usage and configuration 2, credentials 3, the rest 1", () => {
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor({ code: "InvalidConfig" })).toBe(2);
    expect(exitCodeFor({ code: "InvalidEvent" })).toBe(2);
    expect(exitCodeFor({ code: "MissingCredentials" })).toBe(3);
    expect(exitCodeFor({ code: "InvalidCredentials.SessionToken" })).toBe(3);
    expect(exitCodeFor({ code: "UnauthorizedOperation.CamUnauthorized" })).toBe(3);
    expect(exitCodeFor({ code: "UnauthorizedOperation.OperationTooOften" })).toBe(1);
    const incomplete = (codes: string[]) => ({
      code: "PurgeIncomplete",
      summary: { failures: codes.map((code) => ({ code })) },
    });
    expect(exitCodeFor(incomplete(["QuotaExhausted", "AuthFailure.SecretIdNotFound"]))).toBe(3);
    expect(exitCodeFor(incomplete(["QuotaExhausted"]))).toBe(1);
    expect(exitCodeFor(incomplete([]))).toBe(1);
    expect(exitCodeFor(new Error("bug"))).toBe(1);
  });
});

describe("progress line", () => {
  it("shows count, rate and ETA", () => {
    expect(progressLine("purging", "URLs", 1200, 5000, 3000)).toBe("purging  1200/5000 URLs  400/s  ETA 10s");
    expect(progressLine("purging", "URLs", 0, 5000, 0)).toBe("purging  0/5000 URLs");
    expect(formatDuration(3_725_000)).toBe("1h02m");
    expect(formatDuration(125_000)).toBe("2m05s");
  });
});
