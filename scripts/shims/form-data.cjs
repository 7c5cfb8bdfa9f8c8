// Stands in for `form-data` in the bundles (see SHIMS in scripts/build.mjs).
//
// The Tencent Cloud SDK constructs a FormData in one place only: HttpConnection.doRequestWithSign3
// (tencentcloud-sdk-nodejs-common/tencentcloud/common/http/http_connection.js), and only when
// `method === "POST" && multipart`, where `multipart` comes from the options of the SDK call. cos-purge
// calls `client.request(action, req, { signal })` (src/providers/sdk.ts `send`), never with `multipart`:
// CreatePurgeTask, PurgeUrlsCache, DescribeContentQuota and DescribePurgeQuota are plain JSON POSTs.
// cos-request (inside cos-nodejs-sdk-v5) builds one only for `formData` requests (POST Object uploads);
// the backlog sends GET, PUT, DELETE and bucket listings.
// The real module costs 174 KiB of the bundle, 134 KiB of them the mime-db JSON that mime-types
// evaluates when the SDK is first loaded.
"use strict";

module.exports = class FormData {
  constructor() {
    // The SDK wraps this into a TencentCloudSDKHttpException with the same message.
    throw new Error(
      "multipart requests are not used by cos-purge: form-data is replaced by a stub in its bundle (scripts/build.mjs)",
    );
  }
};
