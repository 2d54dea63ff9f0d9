/**
 * One Hardhat process that runs operator command lines one after another, as `npx hardhat` runs each:
 * the line read by Hardhat's own argument parser (Hardhat's options, the task, the task's options), the
 * task run through the runtime environment, and what it prints and its exit code given back. It serves
 * one network, the HARDHAT_NETWORK it was started with, over the Unix socket COMMAND_SERVER_SOCKET
 * (one connection per line: the arguments as JSON in, `{ stdout, stderr, code }` out), and prints
 * "ready" once it listens. Started by startCommandServer (test/helpers/commands.ts).
 */
import fs from "fs";
import net from "net";
import hre from "hardhat";
import { HardhatContext } from "hardhat/internal/context";
import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { getEnvHardhatArguments } from "hardhat/internal/core/params/env-variables";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";
import { isCommand } from "../../scripts/tasks/command";

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Hardhat's options other than --network that a command line may not set differently from this process. */
const FIXED = ["config", "showStackTraces", "verbose", "tsconfig", "typecheck", "maxMemory", "flamegraph", "emoji", "help", "version"] as const;

/** Runs one command line (the arguments after `hardhat`), capturing everything the process writes meanwhile. */
async function runLine(argv: string[]): Promise<CommandResult> {
  let stdout = "";
  let stderr = "";
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = (append: (text: string) => void) => ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture((t) => (stdout += t));
  process.stderr.write = capture((t) => (stderr += t));
  process.exitCode = 0;
  let code: number;
  try {
    const parser = new ArgumentsParser();
    const { hardhatArguments, allUnparsedCLAs } = parser.parseHardhatArguments(
      HARDHAT_PARAM_DEFINITIONS, getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, process.env), argv);
    if (hardhatArguments.network !== hre.network.name) {
      throw new Error(`this command server runs commands on network ${hre.network.name}, not ${hardhatArguments.network ?? "(none)"}`);
    }
    for (const name of FIXED) {
      if (hardhatArguments[name] !== hre.hardhatArguments[name]) throw new Error(`this command server cannot run a command line with another --${name} than its own`);
    }
    const ctx = HardhatContext.getHardhatContext();
    const { scopeName, taskName, unparsedCLAs } = parser.parseScopeAndTaskNames(
      allUnparsedCLAs, ctx.tasksDSL.getTaskDefinitions(), ctx.tasksDSL.getScopesDefinitions());
    const definition = ctx.tasksDSL.getTaskDefinition(scopeName, taskName);
    if (scopeName !== undefined || definition === undefined || !isCommand(taskName)) {
      throw new Error(`this command server runs operator commands only, not ${[scopeName, taskName].filter(Boolean).join(" ")}`);
    }
    await hre.run(taskName, parser.parseTaskArguments(definition, unparsedCLAs));
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    stderr += `error: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`;
    code = 1;
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = 0;
  }
  return { stdout, stderr, code };
}

function serve(socketPath: string): void {
  fs.rmSync(socketPath, { force: true });
  // One line at a time, in the order they arrive, as a session types them.
  let queue: Promise<void> = Promise.resolve();
  // Half open: the client ends its side once it has sent the line, and reads the answer after.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let request = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (request += d));
    socket.on("end", () => {
      queue = queue.then(async () => {
        const result = await runLine((JSON.parse(request) as { argv: string[] }).argv);
        socket.end(JSON.stringify(result));
      });
    });
  });
  server.listen(socketPath, () => console.log("ready"));
  // The session closes stdin to stop the server.
  process.stdin.resume();
  process.stdin.on("end", () => server.close(() => process.exit(0)));
}

// Mocha loads every file under test/: only the process started with this file serves.
if (require.main === module) {
  const socketPath = process.env.COMMAND_SERVER_SOCKET;
  if (!socketPath) throw new Error("COMMAND_SERVER_SOCKET is not set");
  serve(socketPath);
}
