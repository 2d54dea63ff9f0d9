/**
 * Hardhat's own errors (an unknown network, an unknown option, a missing required option) are reported
 * by its command-line runner before any of our commands runs. On a machine it takes for a CI server (any
 * Linux without a display) it prints them with a stack trace. This turns that report into one line,
 * `error: <what was wrong>`, keeping Hardhat's exit code 1. It is installed from hardhat.config.ts, only
 * when the config is loaded by Hardhat's command-line runner and --show-stack-traces was not given.
 */

import { runsUnderHardhatCli } from "./invocation";

const ANSI = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

/** The commands a mistyped name is compared with: every command, and the command given with the options it takes. */
export interface KnownCommands {
  tasks: string[];
  task?: string;
  params?: string[];
}

/** Levenshtein distance: the fewest one-character insertions, deletions and substitutions from a to b. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length];
}

/** The known name nearest to a mistyped one, when it is close enough to be meant (a third of its length, at least 2 edits). */
export function nearestName(typed: string, known: string[]): string | undefined {
  const word = typed.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance > 0 && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined;
}

const suggestion = (typed: string, known: string[] = []): string => {
  const near = nearestName(typed, known);
  return near ? `: did you mean ${near}?` : "";
};

/** Hardhat's message, without its code, in our words where they help; a mistyped command or option with the nearest known one. */
export function hardhatErrorLine(message: string, knownNetworks: string[], known: KnownCommands = { tasks: [] }): string {
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
    const help = known.task ? `npx hardhat help ${known.task} lists its options` : "npx hardhat help <command> lists a command's options";
    return `unknown option ${m[1]}${suggestion(m[1], known.params)} (${help}); nothing was sent`;
  }
  if (code === "HH303" && (m = /^Unrecognized task '([^']*)'/.exec(body))) {
    return `unknown command ${m[1]}${suggestion(m[1], known.tasks)} (npx hardhat help lists the commands); nothing was sent`;
  }
  if (code === "HH306" && (m = /^The '(--[\w-]+)' parameter of task '([\w:-]+)' expects a value/.exec(body))) {
    return `${m[2]} needs ${m[1]} (npx hardhat help ${m[2]} lists its options); nothing was sent`;
  }
  return `${body.split("\n")[0].replace(/\.$/, "")}; nothing was sent`;
}

interface TaskDefinitions {
  [name: string]: { isSubtask: boolean; paramDefinitions: Record<string, unknown> };
}

/** An option's name as typed: --kebab-case. */
const optionName = (param: string) => `--${param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * The commands Hardhat knows (subtasks left out), and the command of this command line with its options
 * and Hardhat's own (--network ...), read from Hardhat's context when it reports an error.
 */
function knownCommands(): KnownCommands {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { HardhatContext } = require("hardhat/internal/context") as { HardhatContext: { getHardhatContext(): { tasksDSL: { getTaskDefinitions(): TaskDefinitions } } } };
    const { HARDHAT_PARAM_DEFINITIONS } = require("hardhat/internal/core/params/hardhat-params") as { HARDHAT_PARAM_DEFINITIONS: Record<string, unknown> };
    /* eslint-enable @typescript-eslint/no-require-imports */
    const definitions = HardhatContext.getHardhatContext().tasksDSL.getTaskDefinitions();
    const tasks = Object.keys(definitions).filter((name) => !definitions[name].isSubtask);
    const task = process.argv.slice(2).find((a) => tasks.includes(a));
    const params = [...(task ? Object.keys(definitions[task].paramDefinitions) : []), ...Object.keys(HARDHAT_PARAM_DEFINITIONS)].map(optionName);
    return { tasks, task, params };
  } catch {
    return { tasks: [] };
  }
}

/** Installs the one-line report when running under Hardhat's command-line runner. */
export function oneLineHardhatErrors(knownNetworks: () => string[]): void {
  if (!runsUnderHardhatCli()) return;
  if (process.argv.includes("--show-stack-traces")) return;
  const error = console.error.bind(console);
  const log = console.log.bind(console);
  let reported = false;
  console.error = (...args: unknown[]) => {
    const first = typeof args[0] === "string" ? args[0].replace(ANSI, "") : undefined;
    if (!reported && args.length === 2 && (first === "Error" || first?.startsWith("Error in plugin")) && typeof args[1] === "string") {
      reported = true;
      error(`error: ${hardhatErrorLine(args[1], knownNetworks(), knownCommands())}`);
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
