/**
 * Why the backlog refuses a bucket whose versioning was ever enabled, and what it says.
 *
 * Leases and once-only markers rest on one COS primitive, a PUT with `x-cos-forbid-overwrite: true`
 * (create once). How COS applies that header on a bucket where versioning is enabled, or was and is
 * now suspended (the only way to turn it off), is documented nowhere we could find (tencent-cloud.md):
 * if it let a second PUT of a lease generation through as a new version, two drains could both hold
 * the lease and purge twice or lose an entry. So the COS adapter reads the bucket's versioning once
 * per warm instance (GetBucketVersioning) and refuses a versioned bucket on every call.
 */

/** The code of every call refused because the backlog bucket is versioned. */
export const VERSIONED_BUCKET = "BacklogBucketVersioned";

/**
 * The status GetBucketVersioning reports: `Enabled`, `Suspended`, or "" for a bucket that never had
 * versioning (COS answers `<VersioningConfiguration/>`; the SDK makes that `{}`).
 */
export function versioningStatus(result: { VersioningConfiguration?: { Status?: string } }): string {
  return result.VersioningConfiguration?.Status ?? "";
}

/** What to do about a backlog bucket with versioning `status`. */
export function versionedBucket(location: { bucket: string; region: string }, status: string): string {
  return (
    `PURGE_BACKLOG_BUCKET ${location.bucket} (${location.region}; by default the triggering bucket) has versioning ${status}. ` +
    "The backlog's leases rely on x-cos-forbid-overwrite, whose behaviour where versioning was ever enabled is " +
    "undocumented, so cos-purge keeps no backlog there. Set PURGE_BACKLOG_BUCKET and PURGE_BACKLOG_REGION to a " +
    "bucket of its own that never had versioning (once enabled, versioning can only be suspended)."
  );
}

/** What to do when the execution role may not read the bucket's versioning. */
export function versioningDenied(bucket: string, cause: string): string {
  return (
    `The execution role may not read the versioning of PURGE_BACKLOG_BUCKET ${bucket}: allow ` +
    `cos:GetBucketVersioning on that bucket (the backlog checks it once per instance). ${cause}`
  );
}
