import { task } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import { CommandContext, CommonArgs } from "../../lib/cli/context";
import { out, toJson } from "../../lib/cli/output";
import { failureCode } from "../../lib/failure";

const COMMANDS = new Set<string>();

/** True for the name of an operator command (declared with command()), false for Hardhat's and its plugins' tasks. */
export function isCommand(name: string | undefined): boolean {
  return name !== undefined && COMMANDS.has(name);
}

/** Declares an operator command with the options every command has: --from and --json. */
export function command(name: string, description: string): ConfigurableTaskDefinition {
  COMMANDS.add(name);
  return task(name, description)
    .addOptionalParam("from", "configured account to sign with: an index (0, 1, ...) or its address")
    .addFlag("json", "print machine-readable JSON");
}

/** Declares an operator command that never signs: only --json (its other options are its own). */
export function readOnlyCommand(name: string, description: string): ConfigurableTaskDefinition {
  COMMANDS.add(name);
  return task(name, description).addFlag("json", "print machine-readable JSON");
}

/**
 * Runs a command's action with its context. Any failure (bad input, missing or stale deployment, a
 * refusal) becomes one line on stderr and exit code 1, never a stack trace (unless --show-stack-traces).
 * Under --json the failure is JSON on stdout instead, `{"error": {"code", "message"}}` (codes: lib/failure.ts),
 * with `reason` naming the custom error of a contract's refusal.
 */
export function action<A extends CommonArgs>(
  body: (args: A, ctx: CommandContext, hre: HardhatRuntimeEnvironment) => Promise<void>,
) {
  return standalone<A>(async (args, hre) => body(args, await CommandContext.open(hre, args), hre));
}

/** A command that needs no deployment (keys:generate, keys:list), with the same one-line and --json failures. */
export function standalone<A extends CommonArgs>(body: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  return async (args: A, hre: HardhatRuntimeEnvironment): Promise<void> => {
    try {
      await body(args, hre);
    } catch (e) {
      const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
      if (args.json) {
        const { code, reason } = failureCode(e);
        out.line(toJson({ error: reason === undefined ? { code, message } : { code, message, reason } }));
      } else out.error(`error: ${message}`);
      if (hre.hardhatArguments.showStackTraces && e instanceof Error) out.error(e.stack ?? "");
      process.exitCode = 1;
    }
  };
}
