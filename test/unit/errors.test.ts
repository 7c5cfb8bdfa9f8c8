import { describe, expect, it } from "vitest";
import {
  ApiError,
  CosPurgeError,
  classifyApiError,
  failureScope,
  quotaKind,
  toApiError,
} from "../../src/foundation/errors";
import { hintFor, rejectionHint } from "../../src/foundation/hints";

/** Shaped like the SDK's TencentCloudSDKHttpException (tencent-cloud.md §6). */
function sdkException(message: string, extra: { code?: string; httpCode?: number; requestId?: string } = {}) {
  return Object.assign(new Error(message), { requestId: extra.requestId ?? "", traceId: "trace-1" }, extra);
}

describe("CosPurgeError", () => {
  it("carries its code, name and cause", () => {
    const cause = new Error("underneath");
    const error = new CosPurgeError("it broke", { code: "Broken", cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "CosPurgeError", code: "Broken", message: "it broke", cause });
  });
});

describe("toApiError", () => {
  it("keeps the code, message and RequestId of an API error", () => {
    const thrown = sdkException("Targets exceed the batch quota.", {
      code: "LimitExceeded.BatchQuota",
      requestId: "req-1",
    });
    const error = toApiError("edgeone", "CreatePurgeTask", thrown);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      name: "ApiError",
      provider: "edgeone",
      action: "CreatePurgeTask",
      code: "LimitExceeded.BatchQuota",
      requestId: "req-1",
      message: "CreatePurgeTask failed with LimitExceeded.BatchQuota: Targets exceed the batch quota.",
    });
  });

  it("names a non-200 answer by its status", () => {
    const error = toApiError("cdn", "PurgeUrlsCache", sdkException("Bad Gateway", { httpCode: 502 }));
    expect(error).toMatchObject({ code: "HttpError.502", httpStatus: 502 });
    expect(error.requestId).toBeUndefined();
  });

  it("tells a timeout from another network error", () => {
    const timeout = sdkException("network timeout at: http://127.0.0.1:9/");
    const reset = sdkException("request to http://127.0.0.1:9/ failed, reason: socket hang up");
    expect(toApiError("cdn", "PurgeUrlsCache", timeout).code).toBe("Timeout");
    expect(toApiError("cdn", "PurgeUrlsCache", reset).code).toBe("NetworkError");
  });

  it("treats an unparsable body and a socket error as network errors", () => {
    const fetchError = Object.assign(new Error("invalid json response body"), { name: "FetchError" });
    const socket = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(toApiError("edgeone", "CreatePurgeTask", fetchError).code).toBe("NetworkError");
    expect(toApiError("edgeone", "CreatePurgeTask", socket).code).toBe("NetworkError");
  });

  it("keeps the code of our own errors and never retries a bug at once (it waits in the backlog)", () => {
    const missing = new CosPurgeError("No credentials", { code: "MissingCredentials" });
    expect(toApiError("cdn", "PurgeUrlsCache", missing)).toMatchObject({
      code: "MissingCredentials",
      cause: missing,
    });
    const bug = toApiError("cdn", "PurgeUrlsCache", new TypeError("x is not a function"));
    expect(bug.code).toBe("UnexpectedError");
    expect(classifyApiError(bug.code)).toBe("unknown");
  });

  it("returns an ApiError unchanged", () => {
    const error = new ApiError({
      provider: "cdn",
      action: "PurgeUrlsCache",
      code: "InternalError",
      message: "x",
    });
    expect(toApiError("edgeone", "CreatePurgeTask", error)).toBe(error);
  });

  it("copies nothing but code, message and RequestId, and masks SecretIds in the message", () => {
    const thrown = Object.assign(
      sdkException("signature of AKIDabcdefgh12345678 failed", { code: "AuthFailure" }),
      {
        config: { secretKey: "top-secret" },
      },
    );
    const error = toApiError("cdn", "PurgeUrlsCache", thrown);
    expect(error.message).not.toContain("AKIDabcdefgh12345678");
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("top-secret");
    expect(error.cause).toBeUndefined();
  });
});

describe("classifyApiError", () => {
  it.each([
    ["RequestLimitExceeded", "retry"],
    ["RequestLimitExceeded.UinLimitExceeded", "retry"],
    ["InternalError", "retry"],
    ["InternalError.ProxyServer", "retry"],
    ["ServiceUnavailable", "retry"],
    ["UnauthorizedOperation.OperationTooOften", "retry"],
    ["HttpError.502", "retry"],
    ["HttpError.429", "retry"],
    ["NetworkError", "retry"],
    ["Timeout", "retry"],
    ["LimitExceeded.BatchQuota", "quota"],
    ["LimitExceeded.DailyQuota", "quota"],
    ["LimitExceeded.CdnPurgeUrlExceedBatchLimit", "quota"],
    ["LimitExceeded.CdnPurgeUrlExceedDayLimit", "quota"],
    ["LimitExceeded.PackNotAllow", "fatal"],
    ["AuthFailure.SecretIdNotFound", "fatal"],
    ["AuthFailure.SignatureExpire", "fatal"],
    ["UnauthorizedOperation.CamUnauthorized", "fatal"],
    ["UnauthorizedOperation.CdnHostUnauthorized", "fatal"],
    ["InvalidParameter.Target", "fatal"],
    ["InvalidParameter.DomainNotFound", "fatal"],
    ["MissingParameter", "fatal"],
    ["UnknownParameter", "fatal"],
    ["ResourceNotFound.CdnHostNotExists", "fatal"],
    ["HttpError.403", "fatal"],
    ["MissingCredentials", "fatal"],
    ["SomethingNobodyHasSeen", "unknown"],
    ["UnexpectedError", "unknown"],
  ] as const)("classifies %s as %s", (code, expected) => {
    expect(classifyApiError(code)).toBe(expected);
  });
});

describe("failureScope", () => {
  it("stops the provider on credential errors, and only the refused action on permission errors", () => {
    expect(failureScope("AuthFailure.SignatureFailure")).toBe("provider");
    expect(failureScope("MissingCredentials")).toBe("provider");
    expect(failureScope("UnauthorizedOperation.NoPermission")).toBe("action");
    expect(failureScope("UnauthorizedOperation.CamUnauthorized")).toBe("action");
  });

  it("stops the lane when its zone or plan is the problem", () => {
    expect(failureScope("ResourceUnavailable.ZoneNotFound")).toBe("lane");
    expect(failureScope("InvalidParameter.ZoneNotFound")).toBe("lane");
    expect(failureScope("ResourceNotFound")).toBe("lane");
    expect(failureScope("LimitExceeded.PackNotAllow")).toBe("lane");
  });

  it("condemns only the request for errors about its contents", () => {
    expect(failureScope("InvalidParameter.Target")).toBe("batch");
    expect(failureScope("ResourceNotFound.CdnHostNotExists")).toBe("batch");
    expect(failureScope("UnauthorizedOperation.CdnHostUnauthorized")).toBe("batch");
  });
});

describe("quotaKind", () => {
  it("tells per-request limits from daily ones", () => {
    expect(quotaKind("LimitExceeded.BatchQuota")).toBe("batch");
    expect(quotaKind("LimitExceeded.CdnPurgeUrlExceedBatchLimit")).toBe("batch");
    expect(quotaKind("LimitExceeded.DailyQuota")).toBe("daily");
    expect(quotaKind("LimitExceeded.CdnPurgeUrlExceedDayLimit")).toBe("daily");
  });

  it("reads an unnamed quota as daily, and is undefined for other codes", () => {
    expect(quotaKind("LimitExceeded.SomeQuota")).toBe("daily");
    expect(quotaKind("RequestLimitExceeded")).toBeUndefined();
    expect(quotaKind("LimitExceeded.PackNotAllow")).toBeUndefined();
  });
});

describe("hintFor", () => {
  it("names the CAM actions the execution role lacks, per provider", () => {
    expect(hintFor("UnauthorizedOperation.NoPermission", "edgeone")).toMatch(
      /docs\/cam\/edgeone\.json.*teo:CreatePurgeTask, teo:CreatePrefetchTask, teo:DescribeContentQuota/,
    );
    expect(hintFor("UnauthorizedOperation.CdnCamUnauthorized", "cdn")).toMatch(
      /docs\/cam\/cdn\.json.*cdn:PurgeUrlsCache, cdn:PurgePathCache, cdn:PushUrlsCache/,
    );
  });

  it("sends credential failures to the execution role, and an expired signature to the clock", () => {
    for (const code of [
      "AuthFailure.SecretIdNotFound",
      "AuthFailure.SignatureFailure",
      "AuthFailure.TokenFailure",
    ]) {
      expect(hintFor(code, "edgeone")).toMatch(/execution role/);
    }
    expect(hintFor("AuthFailure.SignatureExpire", "cdn")).toMatch(/clock/);
  });

  it("points at the variables that name the sites", () => {
    expect(hintFor("ResourceNotFound.CdnHostNotExists", "cdn")).toMatch(/cdnHosts\*/);
    expect(hintFor("ResourceUnavailable.ZoneNotFound", "edgeone")).toMatch(/ZoneId\*/);
    expect(hintFor("InvalidParameter.DomainNotFound", "edgeone")).toMatch(/eoDomains\*/);
  });

  // EdgeOne documents no not-found code for its zone calls: a wrong ZoneId shows as one of these.
  it.each([
    "UnauthorizedOperation.NoPermission",
    "UnauthorizedOperation.CamUnauthorized",
    "UnauthorizedOperation.Unknown",
    "InvalidParameter.ParameterError",
  ])("asks to check ZoneId as well for %s on EdgeOne, and not on CDN", (code) => {
    expect(hintFor(code, "edgeone")).toMatch(/check ZoneId\* .*not this account's/);
    expect(hintFor(code, "cdn")).not.toMatch(/ZoneId/);
  });

  it("says when a spent daily quota comes back and what to do meanwhile", () => {
    for (const code of [
      "LimitExceeded.DailyQuota",
      "LimitExceeded.CdnPurgeUrlExceedDayLimit",
      "QuotaExhausted",
    ]) {
      expect(hintFor(code, "cdn")).toMatch(/00:00 UTC\+8.*directory/);
    }
  });

  it("tells to raise the function timeout when the deadline is reached", () => {
    expect(hintFor("DeadlineReached", "edgeone")).toMatch(/raise its timeout/);
  });

  it("still says something useful about an unknown code", () => {
    expect(hintFor("Weird.Code", "cdn")).toMatch(/Unknown CDN error code/);
  });
});

describe("rejectionHint", () => {
  it("suspects a domain that is not on the zone for free-text reasons", () => {
    expect(rejectionHint("domain not in zone", "edgeone")).toMatch(/eoDomains\* and ZoneId\*/);
  });

  it("uses the code's own hint when the reason is a known code", () => {
    expect(rejectionHint("InvalidParameter.Target", "edgeone")).toBe(
      hintFor("InvalidParameter.Target", "edgeone"),
    );
  });
});
