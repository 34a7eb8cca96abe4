/**
 * The XML namespaces of CSTA Phase III. ECMA-323 names one namespace per edition
 * (`…/ecma-323/csta/ed3`, `ed4`, …); vendors append private versions (`…/ed3/priv6`) in
 * requested protocol versions. ECMA-354 application sessions have their own namespace.
 */

/** ECMA-354 application session services (StartApplicationSession and friends). */
export const SESSION_NAMESPACE = "http://www.ecma-international.org/standards/ecma-354/appl_session";

/** Avaya AE Services' login information inside `applicationSpecificInfo`. */
export const AVAYA_NAMESPACE = "http://www.avaya.com/csta";

const CSTA_NS = /^https?:\/\/www\.ecma-?international\.org\/standards\/ecma-323\/csta\/ed\d+(\/priv\d+)?$/;

/** The ECMA-323 namespace of an edition, e.g. 3 → `http://www.ecma-international.org/standards/ecma-323/csta/ed3`. */
export function cstaNamespace(edition: number): string {
  return `http://www.ecma-international.org/standards/ecma-323/csta/ed${edition}`;
}

/**
 * Whether a namespace is CSTA XML of any edition. Lenient on purpose: switches answer in the
 * edition they implement whatever we sent, some misspell the host (`ecmainternational`), and
 * some send no namespace at all.
 */
export function isCstaNamespace(ns: string): boolean {
  return ns === "" || CSTA_NS.test(ns);
}
