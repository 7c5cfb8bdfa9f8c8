import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import {
  cdnClient,
  clearProxyEnv,
  DEFAULT_CREDENTIAL,
  rawCall,
  sdkError,
  tc3Headers,
  teoClient,
} from "./helpers";

clearProxyEnv();

const QUOTA_QUERY = { ZoneId: "zone-emulator" };
const ONE_MINUTE = 60_000;

describe("TC3 signature verification", () => {
  let emulator: Emulator;
  let skewMs = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => Date.now() + skewMs });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    skewMs = 0;
    emulator.reset({ config: true });
  });

  it("accepts what the real teo and cdn SDK clients sign with the default credential", async () => {
    await teoClient(emulator).DescribeContentQuota(QUOTA_QUERY);
    await cdnClient(emulator).DescribePurgeQuota();

    expect(emulator.calls().map(({ service, action, error }) => ({ service, action, error }))).toEqual([
      { service: "teo", action: "DescribeContentQuota", error: null },
      { service: "cdn", action: "DescribePurgeQuota", error: null },
    ]);
  });

  it("accepts an endpoint named localhost, which the SDK puts in the credential scope as `localhost`", async () => {
    const client = teoClient(emulator, { endpoint: `localhost:${emulator.port}` });

    await expect(client.DescribeContentQuota(QUOTA_QUERY)).resolves.toHaveProperty("PurgeQuota");
  });

  it("accepts temporary credentials carrying a token in X-TC-Token", async () => {
    const client = teoClient(emulator, { credential: { ...DEFAULT_CREDENTIAL, token: "session-token" } });

    await expect(client.DescribeContentQuota(QUOTA_QUERY)).resolves.toHaveProperty("RequestId");
  });

  it("accepts any credential the config lists", async () => {
    const credential = { secretId: "AKIDSECOND000000000000000000000000", secretKey: "second-key" };
    emulator.configure({ credentials: [DEFAULT_CREDENTIAL, credential] });

    await expect(
      teoClient(emulator, { credential }).DescribeContentQuota(QUOTA_QUERY),
    ).resolves.toBeDefined();
  });

  it("answers AuthFailure.SecretIdNotFound for a SecretId it does not know", async () => {
    const credential = { secretId: "AKIDUNKNOWN0000000000000000000000", secretKey: "emulator-secret-key" };

    const error = await sdkError(teoClient(emulator, { credential }).DescribeContentQuota(QUOTA_QUERY));

    expect(error.code).toBe("AuthFailure.SecretIdNotFound");
    expect(emulator.calls()[0]?.error).toBe("AuthFailure.SecretIdNotFound");
  });

  it("answers AuthFailure.SignatureFailure when the request was signed with the wrong key", async () => {
    const credential = { ...DEFAULT_CREDENTIAL, secretKey: "not-the-key" };

    const error = await sdkError(cdnClient(emulator, { credential }).DescribePurgeQuota());

    expect(error.code).toBe("AuthFailure.SignatureFailure");
    expect(error.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("answers AuthFailure.SignatureExpire once the clocks are more than five minutes apart, not before", async () => {
    skewMs = 4 * ONE_MINUTE;
    await expect(teoClient(emulator).DescribeContentQuota(QUOTA_QUERY)).resolves.toBeDefined();

    skewMs = 6 * ONE_MINUTE;
    const error = await sdkError(teoClient(emulator).DescribeContentQuota(QUOTA_QUERY));

    expect(error.code).toBe("AuthFailure.SignatureExpire");
  });

  it("refuses an unsigned curl-style request with an AuthFailure, never a success", async () => {
    const response = await rawCall(emulator, { action: "CreatePurgeTask", body: "{}" });

    expect(response.Error).toMatchObject({ Code: "AuthFailure.InvalidAuthorization" });
    expect(response.RequestId).toEqual(expect.any(String));
    expect(emulator.calls()).toMatchObject([
      { action: "CreatePurgeTask", error: "AuthFailure.InvalidAuthorization" },
    ]);
  });

  it("refuses an Authorization header that is not a TC3 signature", async () => {
    const response = await rawCall(emulator, {
      action: "DescribeContentQuota",
      body: JSON.stringify(QUOTA_QUERY),
      headers: { Authorization: "Bearer abc", "X-TC-Timestamp": String(Math.floor(Date.now() / 1000)) },
    });

    expect(response.Error).toMatchObject({ Code: expect.stringMatching(/^AuthFailure\./) });
  });

  it("verifies the body: a body changed after signing fails with AuthFailure.SignatureFailure", async () => {
    const signed = JSON.stringify(QUOTA_QUERY);
    const headers = tc3Headers(signed);

    const intact = await rawCall(emulator, { action: "DescribeContentQuota", body: signed, headers });
    const tampered = await rawCall(emulator, {
      action: "DescribeContentQuota",
      body: JSON.stringify({ ZoneId: "zone-other" }),
      headers,
    });

    expect(intact.Error).toBeUndefined();
    expect(tampered.Error).toMatchObject({ Code: "AuthFailure.SignatureFailure" });
  });

  it("checks the signature before faults, so an unsigned request cannot use up a scripted fault", async () => {
    emulator.configure({ faults: [{ action: "*", kind: "error", code: "InternalError", times: 1 }] });

    const unsigned = await rawCall(emulator, { action: "DescribeContentQuota", body: "{}" });
    const signed = await sdkError(teoClient(emulator).DescribeContentQuota(QUOTA_QUERY));

    expect(unsigned.Error).toMatchObject({ Code: "AuthFailure.InvalidAuthorization" });
    expect(signed.code).toBe("InternalError");
  });
});
