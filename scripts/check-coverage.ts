import fs from "fs";

/**
 * Fails when a contract outside mocks/ has less than 95% of its branches or less than 100% of its
 * functions executed by the tests. Reads coverage.json written by `hardhat coverage`.
 */
const MIN_BRANCHES = 95;
const MIN_FUNCTIONS = 100;

interface FileCoverage {
  b: Record<string, number[]>;
  f: Record<string, number>;
}

function percent(covered: number, total: number): number {
  return total === 0 ? 100 : (100 * covered) / total;
}

function main(): void {
  if (!fs.existsSync("coverage.json")) throw new Error("coverage.json not found: run `npx hardhat coverage` first");
  const report = JSON.parse(fs.readFileSync("coverage.json", "utf8")) as Record<string, FileCoverage>;
  const failures: string[] = [];
  for (const [file, cov] of Object.entries(report)) {
    if (file.includes("/mocks/")) continue;
    const branches = Object.values(cov.b).flat();
    const functions = Object.values(cov.f);
    const b = percent(branches.filter((n) => n > 0).length, branches.length);
    const f = percent(functions.filter((n) => n > 0).length, functions.length);
    const verdict = b >= MIN_BRANCHES && f >= MIN_FUNCTIONS ? "ok" : "BELOW THRESHOLD";
    console.log(`${file.padEnd(48)} branches ${b.toFixed(2).padStart(6)}%  functions ${f.toFixed(2).padStart(6)}%  ${verdict}`);
    if (verdict !== "ok") failures.push(file);
  }
  if (failures.length > 0) {
    throw new Error(`coverage below ${MIN_BRANCHES}% branches / ${MIN_FUNCTIONS}% functions: ${failures.join(", ")}`);
  }
  console.log(`coverage gate passed: every contract >= ${MIN_BRANCHES}% branches and ${MIN_FUNCTIONS}% functions`);
}

try {
  main();
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
}
