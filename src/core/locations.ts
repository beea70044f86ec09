/**
 * Where the source, the store and the archive live, reduced to what identifies a place, and
 * whether two of them overlap (DESIGN §9). Overlaps are operator mistakes that lose or
 * double data: an archive equal to the source deletes every original it copied onto; an
 * archive inside the source is ingested again on the next run. Pure: local paths arrive
 * already resolved (runtime/config.ts does that at the edge).
 * @module
 */

/** What a location is for, by its flag name. */
export type Role = "source" | "store" | "archive" | "out";

/**
 * A place reduced to path segments: a local directory (its resolved absolute path) or an S3
 * bucket and prefix (the bucket first). `memory:` is a place of its own that nothing shares.
 */
export type Place =
  | { readonly kind: "memory" }
  | { readonly kind: "local" | "s3"; readonly segments: readonly string[] };

/** A location as the user wrote it, with its role and its place. */
export interface Located {
  role: Role;
  text: string;
  place: Place;
}

/** The place of `s3://bucket/prefix`: slashes around and doubled inside are not segments. */
export function s3Place(url: string): Place {
  const segments = url.replace(/^s3:\/\//, "").split("/").filter(Boolean);
  return { kind: "s3", segments };
}

/** The place of an absolute, already normalised path (either separator; a drive stays). */
export function localPlace(absolutePath: string): Place {
  return { kind: "local", segments: absolutePath.split(/[\\/]/).filter(Boolean) };
}

/** Whether `inner` is `outer` or lies under it, segment by segment. */
export function contains(outer: Place, inner: Place): boolean {
  if (outer.kind === "memory" || inner.kind === "memory" || outer.kind !== inner.kind) {
    return false;
  }
  return outer.segments.length <= inner.segments.length &&
    outer.segments.every((s, i) => s === inner.segments[i]);
}

/** Whether two places share any object: one is the other or contains it. */
export function overlaps(a: Place, b: Place): boolean {
  return contains(a, b) || contains(b, a);
}

/** Why each overlap loses data, by `inner in outer` (an equal pair reads as either). */
const HARM: Record<string, string> = {
  "archive in source": "archived objects would be ingested again",
  "source in archive": "archive copies could land in the live queue",
  "store in source": "stored files would be ingested as log objects",
  "source in store": "stored files could land in the live queue",
  "archive in store": "archive copies could overwrite stored results",
  "store in archive": "stored results could overwrite archive copies",
  "out in store": "exported files would be mixed into the stored results",
  "store in out": "re-exporting could delete stored results among its files",
  "out in source": "exported files would be ingested as log objects",
  "source in out": "re-exporting could delete log objects of the live queue",
  "out in archive": "exported files would be mixed into the archive",
  "archive in out": "re-exporting could delete archive copies",
};

/** Roles in the order a message names them: the later one first. */
const ORDER: readonly Role[] = ["source", "store", "archive", "out"];

/**
 * The one-line reason the first overlapping pair of `locations` is refused, or undefined when
 * they are apart. The inner location is named first: `--archive s3://b/logs/archive lies
 * inside --source s3://b/logs: archived objects would be ingested again`.
 */
export function overlapError(locations: readonly Located[]): string | undefined {
  const sorted = [...locations].sort((a, b) => ORDER.indexOf(b.role) - ORDER.indexOf(a.role));
  for (const [i, a] of sorted.entries()) {
    for (const b of sorted.slice(i + 1)) {
      if (!overlaps(a.place, b.place)) continue;
      const equal = contains(a.place, b.place) && contains(b.place, a.place);
      if (equal) {
        const harm = a.role === "archive" && b.role === "source"
          ? "archiving would delete every original with no copy left"
          : HARM[`${a.role} in ${b.role}`];
        return `--${a.role} ${a.text} is the same location as --${b.role} ${b.text}: ${harm}`;
      }
      const [inner, outer] = contains(b.place, a.place) ? [a, b] : [b, a];
      return `--${inner.role} ${inner.text} lies inside --${outer.role} ${outer.text}: ${
        HARM[`${inner.role} in ${outer.role}`]
      }`;
    }
  }
  return undefined;
}
