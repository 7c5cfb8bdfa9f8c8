/**
 * What the user should do about a failure, by error code: the sentence after "Fix:" in the summary.
 * Tables, like the classification in errors.ts; a code not listed gets a generic hint.
 */

import type { Provider } from "./model";
import { CDN_ACTIONS, TEO_ACTIONS } from "./permissions";
import { CREDENTIAL_VARIABLES } from "./redact";

/**
 * What a hint needs to know about a provider: its name, CAM actions, the variables naming its sites,
 * and what else a permission or parameter refusal may mean. Every EdgeOne call names a zone, and
 * EdgeOne documents no not-found code for them (CreatePurgeTask: `InvalidParameter.*`,
 * `UnauthorizedOperation.*`; DescribeContentQuota: `UnauthorizedOperation.*` only): a ZoneId that is
 * not this account's comes back as one of those (tencent-cloud.md, "EdgeOne errors").
 */
const PROVIDER_FACTS = {
  edgeone: {
    name: "EdgeOne",
    camActions: Object.keys(TEO_ACTIONS).map((action) => `teo:${action}`),
    policyFile: "docs/cam/edgeone.json",
    sites: "eoDomains* and ZoneId*",
    alsoCheck:
      " Also check ZoneId* (zone-xxxxxxxx, the zone of these domains under this account): EdgeOne refuses a zone id that is not this account's as a permission or parameter error.",
  },
  cdn: {
    name: "CDN",
    camActions: Object.keys(CDN_ACTIONS).map((action) => `cdn:${action}`),
    policyFile: "docs/cam/cdn.json",
    sites: "cdnHosts*",
    alsoCheck: "",
  },
} as const;

type Facts = (typeof PROVIDER_FACTS)[Provider];

const policyFor = (p: Facts): string =>
  `allow the action the message names; every action cos-purge calls is in the least-privilege policy ` +
  `${p.policyFile} (README, "The execution role"): ${p.camActions.join(", ")}`;

const domainNotOnZone = (p: Facts): string =>
  `A domain is not on the zone: check that ${p.sites} name domains served by the zone (and the right zone).`;

/** First match wins. Quota hints carry no numbers: the failure's message has them. */
const HINTS: readonly { readonly pattern: RegExp; readonly hint: (p: Facts, code: string) => string }[] = [
  {
    pattern: /^InvalidCredentials\./,
    hint: (_, code) => {
      const part = code.slice(code.indexOf(".") + 1) as keyof typeof CREDENTIAL_VARIABLES;
      const variable = CREDENTIAL_VARIABLES[part] ?? "the credential variable the message names";
      return (
        `Set ${variable} again to the value exactly as issued, on one line, without quotes or blanks ` +
        "(permanent keys have no session token: leave TENCENTCLOUD_SESSIONTOKEN unset for them). On SCF " +
        "these variables come from the execution role: rebind the role."
      );
    },
  },
  {
    pattern: /^MissingCredentials$/,
    hint: (p) =>
      `Bind an execution role to the function (SCF then injects its keys); its policy must ${policyFor(p)}.`,
  },
  {
    pattern: /^AuthFailure\.SignatureExpire$/,
    hint: () =>
      "The request's time was over 5 minutes off Tencent Cloud's: correct this machine's clock (NTP).",
  },
  {
    pattern: /^AuthFailure/,
    hint: () =>
      "Tencent Cloud refused the credentials: check that the function's execution role is bound and still " +
      "exists; outside SCF, check TENCENTCLOUD_SECRETID / _SECRETKEY / _SESSIONTOKEN (temporary keys need the token).",
  },
  {
    pattern: /^(RequestLimitExceeded|UnauthorizedOperation\.OperationTooOften$)/,
    hint: () =>
      "Still over the rate limit (20 requests/s per action) after backing off: something else is purging " +
      "with this account at the same time. These URLs need purging again later.",
  },
  {
    pattern: /^UnauthorizedOperation\.CdnHostUnauthorized$/,
    hint: (p) =>
      `The account may not manage one of these domains: grant the execution role every domain in ${p.sites}.`,
  },
  {
    pattern: /^UnauthorizedOperation/,
    hint: (p) =>
      `The function's execution role lacks permission: its policy must ${policyFor(p)}.${p.alsoCheck}`,
  },
  {
    pattern: /^LimitExceeded\.PackNotAllow$/,
    hint: (p) => `The ${p.name} plan of this zone does not include URL purge: upgrade the plan.`,
  },
  {
    pattern: /^LimitExceeded\..*(Daily|Day)|^QuotaExhausted$/,
    hint: (p) =>
      `Today's ${p.name} URL purge quota is used up: purging resumes when it resets at 00:00 UTC+8. ` +
      "Until then purge a directory (prefix) instead of single URLs, or raise the quota.",
  },
  {
    pattern: /^LimitExceeded\..*Batch/,
    hint: (p) =>
      `${p.name} refused even one URL per request as too many: check the purge quota in its console.`,
  },
  {
    pattern: /ZoneNotFound$|^ResourceNotFound$/,
    hint: (p) =>
      `The zone was not found under this account: check ${p.sites} (a zone id looks like zone-xxxxxxxx).`,
  },
  {
    pattern: /^ResourceNotFound\.CdnHostNotExists$/,
    hint: (p) =>
      `A domain is not on this account's CDN: check ${p.sites} (EdgeOne domains belong in eoDomains*).`,
  },
  { pattern: /^InvalidParameter\.DomainNotFound$/, hint: domainNotOnZone },
  {
    pattern: /^(InvalidParameter|MissingParameter|UnknownParameter)/,
    hint: (p) =>
      "The provider refused the request's parameters: check the URLs (scheme, domain, length); " +
      `if they look right, report it with the RequestId.${p.alsoCheck}`,
  },
  {
    pattern: /^(InternalError|ServiceUnavailable|HttpError\.5|NetworkError$|Timeout$)/,
    hint: () =>
      "The API kept failing on every attempt: check Tencent Cloud's status and the function's network " +
      "(a function in a VPC needs a NAT gateway to reach the API; a lowercase http_proxy variable sends " +
      "the calls through that proxy: unset it if it is not meant for them). These URLs need purging again.",
  },
  {
    pattern: /^HttpError\.4/,
    hint: () =>
      "Something between the function and the API refused the request: check the endpoint and any proxy.",
  },
  {
    pattern: /^DeadlineReached$/,
    hint: () => "The function ran out of time: raise its timeout, or deliver fewer events per invocation.",
  },
  {
    pattern: /^BacklogWriteFailed$/,
    hint: () =>
      "The backlog in COS could not be written: check PURGE_BACKLOG_BUCKET/REGION (default: the triggering bucket) " +
      "and that the execution role may cos:PutObject, cos:GetObject, cos:DeleteObject and cos:GetBucket on the backlog prefix " +
      "and cos:GetBucketVersioning on the bucket (which must never have had versioning: the message says if it had). " +
      "SCF retries this event; what was purged is not purged again on the same instance.",
  },
  {
    pattern: /^OutcomeUnknown$/,
    hint: () =>
      "The API did not answer in time: these URLs are purged again from the backlog (harmless if they were). " +
      "If it keeps happening, raise PURGE_API_TIMEOUT_MS or the function's timeout.",
  },
  {
    pattern: /^ProviderNotConfigured$/,
    hint: (p) => `No ${p.name} client was configured although the plan has ${p.name} URLs: check ${p.sites}.`,
  },
  {
    pattern: /^QuotaNotReported$/,
    hint: (p) => `${p.name} did not report a URL purge quota: cos-purge goes on with default batch sizes.`,
  },
  {
    pattern: /^UnexpectedError$/,
    hint: () => "cos-purge hit an error it does not expect: please report it with this message.",
  },
];

/**
 * What the user should do about an error code, in one sentence or two.
 *
 * @example hintFor("UnauthorizedOperation.NoPermission", "cdn") // names cdn:PurgeUrlsCache and the policy
 */
export function hintFor(code: string, provider: Provider): string {
  const facts = PROVIDER_FACTS[provider];
  const rule = HINTS.find((entry) => entry.pattern.test(code));
  return rule
    ? rule.hint(facts, code)
    : `Unknown ${facts.name} error code: look it up in the API's error code list, and report it if cos-purge should handle it.`;
}

/**
 * What to do about targets a successful call refused (EdgeOne `FailedList`). The reasons are free
 * text, not codes; the usual one is a domain that is not on the zone.
 */
export function rejectionHint(reason: string, provider: Provider): string {
  const looksLikeCode = /^[A-Z][A-Za-z]*(\.[A-Za-z0-9]+)*$/.test(reason);
  return looksLikeCode && HINTS.some((entry) => entry.pattern.test(reason))
    ? hintFor(reason, provider)
    : domainNotOnZone(PROVIDER_FACTS[provider]);
}
