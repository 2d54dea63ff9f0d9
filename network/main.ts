import { NetworkBlocked } from "./node";

/**
 * Runs the main function of a network command (network/cli.ts, network/test-qbft.ts): a failure is one
 * line on stderr; exit code 3 when the node could not be had at all (NetworkBlocked), 1 otherwise.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    const blocked = e instanceof NetworkBlocked;
    console.error(`${blocked ? "QBFT network unavailable: " : "error: "}${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = blocked ? 3 : 1;
  });
}
