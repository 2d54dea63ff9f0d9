import type { Parameters } from "fast-check";

/**
 * fast-check parameters shared by the property tests: a fixed seed and a small number of runs by default
 * (CI), a random seed and many runs under `npm run test:fuzz` (FC_SEED=random FC_RUNS=...). A failing
 * property prints its seed and the shrunk, shortest failing sequence so the case can be replayed.
 */
export function fcParameters<T>(): Parameters<T> {
  const seedVar = process.env.FC_SEED ?? "42";
  const seed = seedVar === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(seedVar);
  const numRuns = Number(process.env.FC_RUNS ?? "25");
  if (!Number.isInteger(seed) || !Number.isInteger(numRuns) || numRuns < 1) {
    throw new Error(`FC_SEED must be an integer or "random" and FC_RUNS a positive integer (got FC_SEED=${seedVar}, FC_RUNS=${process.env.FC_RUNS})`);
  }
  if (seedVar === "random") console.log(`      fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  return { seed, numRuns, endOnFailure: false };
}
