import { describe, expect, it } from "vitest";
import { CosPurgeError, classifyApiError, failureScope } from "../../src/foundation/errors";
import { hintFor } from "../../src/foundation/hints";
import { createLogger } from "../../src/foundation/log";
import { maskSecrets, redact, secretsIn } from "../../src/foundation/redact";
import { credentialsFromEnv } from "../../src/providers/credentials";

const TOKEN = "token-part-one-abc\ntoken-part-two-xyz";

describe("secretsIn and maskSecrets", () => {
  it("mask the values of every secret variable, whole, trimmed, and in the pieces a message may quote", () => {
    const secrets = secretsIn({
      TENCENTCLOUD_SECRETKEY: "  key-value-12345  ",
      TENCENTCLOUD_SESSIONTOKEN: TOKEN,
      TENCENTCLOUD_SECRET_KEY: "sdk-spelling-value",
      MY_DB_PASSWORD: 'pa"ss-word-value-9',
      eoDomains: "www.example.com",
    });
    const text = [
      "key-value-12345 is wrong",
      `${TOKEN} is not a legal HTTP header value`,
      JSON.stringify({ quoted: TOKEN }),
      "only token-part-two-xyz here",
      "sdk-spelling-value",
      JSON.stringify('pa"ss-word-value-9'),
      "https://www.example.com/a.png",
    ].join("\n");

    expect(maskSecrets(text, secrets)).toBe(
      [
        "*** is wrong",
        "*** is not a legal HTTP header value",
        '{"quoted":"***\\n***"}',
        "only *** here",
        "***",
        '"pa\\"***"',
        "https://www.example.com/a.png",
      ].join("\n"),
    );
  });

  it("leave values shorter than 8 characters alone, and still mask SecretIds by their shape", () => {
    const secrets = secretsIn({ TENCENTCLOUD_SECRETKEY: "abc" });
    expect(maskSecrets("abc AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", secrets)).toBe("abc AKID***");
  });

  it("read the environment each time, so that rotated keys are masked too", () => {
    const env: Record<string, string> = { TENCENTCLOUD_SECRETKEY: "first-key-value" };
    const log: string[] = [];
    const logger = createLogger({ env, write: (line) => log.push(line) });
    env.TENCENTCLOUD_SECRETKEY = "rotated-key-value";
    logger.info("keys", { said: "first-key-value then rotated-key-value" });

    expect(JSON.parse(log[0] ?? "{}").said).toBe("first-key-value then ***");
  });

  it("mask by value inside every string of a nested value, and by name whatever the value", () => {
    const secrets = secretsIn({ TENCENTCLOUD_SESSIONTOKEN: TOKEN });
    expect(redact({ list: [{ message: `x ${TOKEN}` }], token: 42 }, secrets)).toEqual({
      list: [{ message: "x ***" }],
      token: "***",
    });
  });

  it("mask the message of every error of ours with the secrets of process.env", () => {
    process.env.TEST_REDACT_SECRET = "process-env-secret-value";
    try {
      expect(new CosPurgeError("saw process-env-secret-value", { code: "X" }).message).toBe("saw ***");
    } finally {
      delete process.env.TEST_REDACT_SECRET;
    }
  });
});

describe("credentialsFromEnv on a value no key holds", () => {
  const keys = { TENCENTCLOUD_SECRETID: "AKIDabcdefgh", TENCENTCLOUD_SECRETKEY: "secret-key-value" };

  it.each([
    ["TENCENTCLOUD_SESSIONTOKEN", TOKEN, "SessionToken", "a line break"],
    ["TENCENTCLOUD_SESSIONTOKEN", "zq9x€wv8y7", "SessionToken", "a character outside ASCII"],
    ["TENCENTCLOUD_SESSIONTOKEN", "zq9x\u00a0wv8y7", "SessionToken", "a blank"],
    ["TENCENTCLOUD_SECRETID", "AKID\u0001abc", "SecretId", "a control character"],
    ["TENCENTCLOUD_SECRETKEY", "secret key", "SecretKey", "a blank"],
  ])(
    "%s=%j fails as InvalidCredentials, naming the variable, never the value",
    (variable, value, part, found) => {
      let error: CosPurgeError | undefined;
      try {
        credentialsFromEnv({ ...keys, [variable]: value });
      } catch (thrown) {
        error = thrown as CosPurgeError;
      }

      expect(error).toMatchObject({ code: `InvalidCredentials.${part}` });
      expect(error?.message).toContain(`${variable} holds ${found}`);
      for (const piece of value.split(/[^\x21-\x7e]/))
        if (piece.length > 3) expect(error?.message).not.toContain(piece);
    },
  );

  it("accepts keys and a token of printable ASCII, trimmed", () => {
    expect(credentialsFromEnv({ ...keys, TENCENTCLOUD_SESSIONTOKEN: " tok+/=_-.en \n" })).toEqual({
      secretId: "AKIDabcdefgh",
      secretKey: "secret-key-value",
      token: "tok+/=_-.en",
    });
  });

  it("is fatal for the whole provider, never retried, with a hint naming the variable", () => {
    expect(classifyApiError("InvalidCredentials.SessionToken")).toBe("fatal");
    expect(failureScope("InvalidCredentials.SessionToken")).toBe("provider");
    expect(hintFor("InvalidCredentials.SessionToken", "edgeone")).toMatch(
      /^Set TENCENTCLOUD_SESSIONTOKEN again/,
    );
    expect(hintFor("InvalidCredentials.SecretId", "cdn")).toMatch(/^Set TENCENTCLOUD_SECRETID again/);
  });
});
