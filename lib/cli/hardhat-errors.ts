/**
 * Hardhat's own errors (an unknown network, an unknown option, a missing required option) are reported
 * by its command-line runner before any of our commands runs. On a machine it takes for a CI server (any
 * Linux without a display) it prints them with a stack trace. This turns that report into one line,
 * `error: <what was wrong>`, keeping Hardhat's exit code 1. It is installed from hardhat.config.ts, only
 * when the config is loaded by Hardhat's command-line runner and --show-stack-traces was not given.
 */

const ANSI = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

/** Hardhat's message, without its code, in our words where they help. */
export function hardhatErrorLine(message: string, knownNetworks: string[]): string {
  const text = message.replace(ANSI, "").trim();
  const code = /^(HH\d+):\s*/.exec(text)?.[1];
  const body = text.replace(/^HH\d+:\s*/, "");
  let m: RegExpExecArray | null;
  if (code === "HH100" && (m = /^Network (\S+) doesn't exist/.exec(body))) {
    return `network "${m[1]}" is not configured (configured: ${knownNetworks.join(", ")}); nothing was sent`;
  }
  if (code === "HH305" && (m = /^Unrecognized param (--[^=\s]+)=(.*)$/.exec(body))) {
    return `${m[1]}=${m[2]}: give an option's value after a space, as ${m[1]} ${m[2]}; nothing was sent`;
  }
  if (code === "HH305" && (m = /^Unrecognized param (\S+)/.exec(body))) {
    return `unknown option ${m[1]} (npx hardhat help <command> lists a command's options); nothing was sent`;
  }
  if (code === "HH306" && (m = /^The '(--[\w-]+)' parameter of task '([\w:-]+)' expects a value/.exec(body))) {
    return `${m[2]} needs ${m[1]} (npx hardhat help ${m[2]} lists its options); nothing was sent`;
  }
  return `${body.split("\n")[0].replace(/\.$/, "")}; nothing was sent`;
}

/** Installs the one-line report when running under Hardhat's command-line runner. */
export function oneLineHardhatErrors(knownNetworks: () => string[]): void {
  const runner = require.main?.filename ?? "";
  if (!/hardhat[\\/]internal[\\/]cli[\\/](cli|bootstrap)\.js$/.test(runner)) return;
  if (process.argv.includes("--show-stack-traces")) return;
  const error = console.error.bind(console);
  const log = console.log.bind(console);
  let reported = false;
  console.error = (...args: unknown[]) => {
    const first = typeof args[0] === "string" ? args[0].replace(ANSI, "") : undefined;
    if (!reported && args.length === 2 && (first === "Error" || first?.startsWith("Error in plugin")) && typeof args[1] === "string") {
      reported = true;
      error(`error: ${hardhatErrorLine(args[1], knownNetworks())}`);
      return;
    }
    // After the one line: Hardhat's blank line, stack trace and "For more info" hint.
    if (reported) return;
    error(...args);
  };
  console.log = (...args: unknown[]) => {
    if (reported && args.length === 1 && args[0] === "") return;
    log(...args);
  };
}
