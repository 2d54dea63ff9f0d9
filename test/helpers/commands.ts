import { spawn } from "child_process";
import fs from "fs";
import net from "net";
import os from "os";
import path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** What a command printed and its exit code, as spawnSync gives them. */
export interface CommandRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * A Hardhat process that runs operator command lines on one network (test/helpers/command-server.ts):
 * each line parsed by Hardhat's argument parser and run as `npx hardhat` runs it, in a process that
 * started once with the given environment. `client` is a script that runs one line through it from a
 * shell (test/helpers/command-client.js, with COMMAND_SERVER_SOCKET set to `socket`).
 */
export interface CommandServer {
  socket: string;
  client: string;
  /** Runs `hardhat <args>` (the network's --network included, as typed). */
  run(args: string[]): Promise<CommandRun>;
  /** Stops the process (by closing its stdin, then by its pid) and removes its socket. */
  stop(): Promise<void>;
}

/** Starts a command server for `network` with `env`; fails, having stopped it, if it is not ready within two minutes. */
export async function startCommandServer(network: string, env: NodeJS.ProcessEnv): Promise<CommandServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "command-server-"));
  const socket = path.join(dir, "hardhat.sock");
  const child = spawn(process.execPath, ["-r", "hardhat/register", path.join(__dirname, "command-server.ts")], {
    cwd: ROOT, env: { ...env, HARDHAT_NETWORK: network, COMMAND_SERVER_SOCKET: socket }, stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    child.stdin!.end();
    for (let i = 0; i < 40 && child.exitCode === null && child.signalCode === null; i++) await new Promise((r) => setTimeout(r, 250));
    if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 480 && !/^ready$/m.test(stdout) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 250));
  if (!/^ready$/m.test(stdout)) {
    await stop();
    throw new Error(`the command server did not start: ${stderr.trim()}`);
  }
  const run = (args: string[]) => new Promise<CommandRun>((resolve, reject) => {
    const connection = net.createConnection(socket);
    let answer = "";
    connection.setEncoding("utf8");
    connection.on("connect", () => connection.end(JSON.stringify({ argv: args })));
    connection.on("data", (d: string) => (answer += d));
    connection.on("error", reject);
    connection.on("end", () => {
      if (answer === "") return reject(new Error(`the command server closed without an answer to ${args.join(" ")}: ${stderr.trim()}`));
      const r = JSON.parse(answer) as { stdout: string; stderr: string; code: number };
      resolve({ status: r.code, stdout: r.stdout, stderr: r.stderr });
    });
  });
  return { socket, client: path.join(__dirname, "command-client.js"), run, stop };
}

/**
 * Runs independent command lines, each in its own process as spawnSync would, `concurrency` at a time
 * (the processes of a test do not wait on one another), and gives their results in the order given.
 */
export async function spawnAll(runs: { command: string; args: string[]; env: NodeJS.ProcessEnv }[], concurrency = 3): Promise<CommandRun[]> {
  const results: CommandRun[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const i = next++;
      results[i] = await new Promise<CommandRun>((resolve, reject) => {
        const child = spawn(runs[i].command, runs[i].args, { cwd: ROOT, env: runs[i].env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker));
  return results;
}
