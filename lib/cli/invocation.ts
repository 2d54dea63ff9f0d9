import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { getEnvHardhatArguments } from "hardhat/internal/core/params/env-variables";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";

/** True when this process is Hardhat's command-line runner (`npx hardhat ...`), not a script or mocha importing "hardhat". */
export function runsUnderHardhatCli(): boolean {
  return /hardhat[\\/]internal[\\/]cli[\\/](cli|bootstrap)\.js$/.test(require.main?.filename ?? "");
}

/**
 * The task a Hardhat command line runs, read as Hardhat reads it (its own options such as --network
 * skipped): `status` for `status --network localhost`; for `help X` the task X whose help is asked.
 * Undefined for the list of every task (`--help`, `help`, no task) and for a line Hardhat would refuse.
 */
export function commandLineTask(args: string[]): string | undefined {
  try {
    const { scopeOrTaskName, allUnparsedCLAs } = new ArgumentsParser().parseHardhatArguments(
      HARDHAT_PARAM_DEFINITIONS, getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, {}), args);;
    return scopeOrTaskName === "help" ? allUnparsedCLAs[1] : scopeOrTaskName;
  } catch {
    return undefined;
  }
}

/** The task of this process's command line under Hardhat's runner; undefined anywhere else. */
export function invokedTask(): string | undefined {
  return runsUnderHardhatCli() ? commandLineTask(process.argv.slice(2)) : undefined;
}
