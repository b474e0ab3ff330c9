/** `xs.map(f)` for the lists the classifier passes from reader to reader (evidence, outcomes, text parts),
 * built by pushing onto a new array. Array.prototype.map's result is a packed array when the built-in makes
 * it and a holey one when V8 has inlined the call into optimised code, so the same list changed its shape
 * as the callers warmed up, and every function that read such lists was thrown out of optimised code
 * again (readDelivery, deliveryEvidence, kindOf, viewMessage, readEnclosedReport: eight to ten
 * deoptimisations between the second and the sixth pass over the fixtures, each followed by a new
 * compile of the largest functions). Arrays built here always have the same shape. */
export function listOf<T, U>(xs: readonly T[], f: (x: T) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < xs.length; i++) out.push(f(xs[i]));
  return out;
}
