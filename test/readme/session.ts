import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { claimFile } from "../../lib/claims";
import { isCommand } from "../../scripts/tasks/command";
import { CommandServer, startCommandServer } from "../helpers/commands";

const ROOT = path.join(__dirname, "..", "..");
export const MARKER = "<!-- operator-session: run as written by test/readme/session.test.ts -->";
export const UPGRADE_MARKER = "<!-- upgrade-session: run as written by test/readme/session.test.ts -->";

/**
 * Holds the files the session writes as written (signed/ and statements/localhost at the project root) for
 * one session test at a time: mocha's parallel workers may start both session tests together. The hold is
 * an exclusively created file naming this process; a hold whose process has ended is taken over. Waits at
 * most `waitMs` for the other session; gives the function that releases the hold.
 */
export async function holdSessionFiles(waitMs = 600_000): Promise<() => void> {
  const dir = path.join(ROOT, "signed");
  const hold = path.join(dir, ".session-hold");
  fs.mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + waitMs;
  while (!claimFile(hold)) {
    if (Date.now() > deadline) {
      let holder = "gone";
      try {
        holder = fs.readFileSync(hold, "utf8").trim();
      } catch {
        // Released in the meantime: the message says so.
      }
      throw new Error(`${hold}: another process (${holder}) still runs a README session after ${waitMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return () => fs.rmSync(hold, { force: true });
}

/** The commands of the sh block after a marker (comments and blank lines left out). */
export function readmeBlock(readme: string, marker: string): string[] {
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no "${marker}"`);
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme.slice(start));
  if (!block) throw new Error(`no sh block after "${marker}"`);
  return block[1].split("\n").map((l) => l.replace(/\s+#.*$/, "")).filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

/** One command of the README's session, with the error the README says it ends in, if any. */
export interface Step {
  command: string;
  expectedError?: RegExp;
}

/** The operator session block of README.md: commands (continuation lines joined), and the expected refusals. */
export function readmeSession(readme: string, marker = MARKER): Step[] {
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no "${marker}"`);
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme.slice(start));
  if (!block) throw new Error(`no sh block after "${marker}"`);
  const lines = block[1].replace(/\\\n\s*/g, "").split("\n");
  const steps: Step[] = [];
  for (const line of lines) {
    const error = /^#\s+error: (.*)$/.exec(line);
    if (error) {
      const pattern = error[1].split("...").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*?");
      steps[steps.length - 1].expectedError = new RegExp(`^error: ${pattern}$`);
    } else if (line.trim() !== "" && !line.startsWith("#")) {
      steps.push({ command: line });
    }
  }
  return steps;
}

/**
 * The `npm run` scripts of package.json that are one operator command (`"ledger": "hardhat ledger"`), by
 * script name: a session line `npm run <script> -- <args>` of one of them runs `hardhat <command> <args>`.
 */
function commandScripts(): Map<string, string> {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const served = new Map<string, string>();
  for (const [name, line] of Object.entries(scripts)) {
    const command = /^hardhat ([a-z][a-z:-]*)$/.exec(line)?.[1];
    if (command && isCommand(command)) served.set(name, command);
  }
  return served;
}

/**
 * Runs the session's steps exactly as written, each line through bash with the variables the session sets
 * before it, in `env`: a step the README marks with an error must fail with that one line, every other
 * step must succeed with nothing on stderr. Gives each command's output by its command name.
 *
 * bash expands each line as an operator's shell does. Its `npx hardhat ...`, and its `npm run <script> --
 * ...` where package.json's script is one operator command (`npm run ledger -- sync ...`: the script's
 * command and the arguments after `--`, as npm passes them), then run in `server`, one Hardhat process
 * started with `env` for the whole session (test/helpers/command-server.ts: the line parsed by Hardhat's
 * argument parser, the task run, its output and exit code given back), so that the session does not start
 * Hardhat fifty times. The caller starts the server (startCommandServer) and stops it. A step the README
 * marks with an error starts Hardhat as typed, as do `npm run deploy`, `npm run client` and every other
 * command; the start-up of the commands themselves is test/tasks/startup.test.ts's and
 * test/tasks/cli.test.ts's.
 */
export async function runSession(steps: Step[], env: NodeJS.ProcessEnv, server: Promise<CommandServer>): Promise<Record<string, string>> {
  const prelude: string[] = [];
  const outputs: Record<string, string> = {};
  const scripts = commandScripts();
  const served = (s: CommandServer) => {
    const client = `COMMAND_SERVER_SOCKET='${s.socket}' '${process.execPath}' '${s.client}'`;
    const cases = [...scripts].map(([name, command]) => `${name}) shift 3; ${client} ${command} "$@"; return;;`).join(" ");
    return [
      `npx() { if [ "$1" = hardhat ]; then shift; ${client} "$@"; else command npx "$@"; fi; }`,
      `npm() { if [ "$1" = run ] && [ "$3" = -- ]; then case "$2" in ${cases} esac; fi; command npm "$@"; }`,
    ];
  };
  for (const step of steps) {
    if (/^[A-Z_]+=("[^"]*"|\S+)(\s+[A-Z_]+=("[^"]*"|\S+))*$/.test(step.command)) {
      prelude.push(step.command);
      continue;
    }
    const viaServer = !step.expectedError && (/\bnpx hardhat\b/.test(step.command) || [...scripts.keys()].some((name) => step.command.includes(`npm run ${name} -- `)));
    const script = [...(viaServer ? served(await server) : []), ...prelude, step.command].join("\n");
    const r = spawnSync("bash", ["-c", script], { cwd: ROOT, env, encoding: "utf8" });
    const stderr = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/^npm (notice|warn)/.test(l));
    if (step.expectedError) {
      expect(r.status, `${step.command}\n${r.stdout}`).to.equal(1);
      expect(stderr, step.command).to.have.length(1);
      expect(stderr[0], step.command).to.match(step.expectedError);
    } else {
      expect(r.status, `${step.command}\n${r.stdout}\n${r.stderr}`).to.equal(0);
      expect(stderr, step.command).to.deep.equal([]);
    }
    outputs[step.command.split(" $N")[0]] = r.stdout;
  }
  return outputs;
}

/**
 * Starts the command server of a README session (`localhost`, with `env`) while the caller goes on (the
 * deployment's steps do not need it); `stop` stops it if it started.
 */
export function sessionServer(env: NodeJS.ProcessEnv): { server: Promise<CommandServer>; stop: () => Promise<void> } {
  const server = startCommandServer("localhost", env);
  server.catch(() => undefined);
  return { server, stop: async () => (await server.catch(() => undefined))?.stop() };
}

/**
 * What the README's operator session must have done, whoever holds the duty keys: the clients' payments,
 * issuance under dual control, both DvP flows, the netted payments, the PvP trade and the FX payment
 * (the clients are the development accounts 6 to 8 in both session tests).
 */
export function expectSessionOutcomes(outputs: Record<string, string>): void {
  // The back office: the payee sees the payment's UETR and remittance, and its statement holds the entry.
  const uetr = "3f1c2a9e-7b4d-4e21-9a6f-0c8d5e2b1a47";
  expect(outputs["npm run ledger -- sync"]).to.match(/^indexed blocks \d+\.\.\d+ \(\d+ blocks\): \d+ events, \d+ rows/m);
  expect(outputs["npm run ledger -- payments"]).to.match(new RegExp(`in\\s+4,711\\.00 USD\\s+Acme Treasury Ltd \\(LEI 5493001KJTIIGC8Y1R12\\)\\s+\\S+\\s+${uetr}\\s+E2E-ACME-4711\\s+Invoice 4711 of 2026-11-30`));
  expect(outputs["npm run ledger -- statement"]).to.match(/^statements of Globex Markets Ltd \(LEI 529900T8BM49AURSDO55\) from 2026-01-01T00:00:00Z to \d{4}-\d\d-\d\dT23:59:59Z \(ledger at block \d+, servicer Development Bank \(not a real institution\)\): 2 accounts$/m);
  expect(outputs["npm run ledger -- statement"]).to.match(/^ {2}statements\/localhost\/camt053\.529900T8BM49AURSDO55\.14dc7996\.USD\.2026-01-01_\d{4}-\d\d-\d\d\.xml: \d+ entries, opening 0\.00 USD, closing [\d,]+\.\d\d USD$/m);
  expect(outputs["npm run ledger -- statement"]).to.match(/^ {2}statements\/localhost\/camt053\.529900T8BM49AURSDO55\.14dc7996\.EUR\..*\.csv: \d+ entries, opening 0\.00 EUR/m);
  expect(outputs["npm run ledger -- statement"]).to.match(/^ {2}statements\/localhost\/camt054\.529900T8BM49AURSDO55\.14dc7996\.USD\.\d+-\d+\.xml: credit notification$/m);
  const row = Object.entries(outputs).find(([command]) => command.startsWith(`grep -h ${uetr} `))?.[1];
  expect(row).to.match(new RegExp(`^entry,\\d{4}-[^,]+,CRDT,4711\\.00,USD,payment,Acme Treasury Ltd,5493001KJTIIGC8Y1R12,0x976EA74026E726554dB657fA54763abd0C3a0aa9,${uetr},E2E-ACME-4711,Invoice 4711 of 2026-11-30,,0x[0-9a-f]{64},,0x[0-9a-f]{64},\\d+,\\d+\r?$`, "m"));
  expect(outputs["npx hardhat token:balance"]).to.include("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955: 250,000.00 USD");
  expect(outputs["npx hardhat token:issue"]).to.include("1,250,000.00 USD is above the single-officer threshold of 1,000,000.00 USD: proposed as issuance 1");
  expect(outputs["npx hardhat token:issuances"]).to.match(/1\s+issuance\s+pending\s+issue 1,250,000\.00 USD to 0x976EA74026E726554dB657fA54763abd0C3a0aa9/);
  expect(outputs["npx hardhat dvp:list"]).to.match(/TRADE-0002\s+Settled\s+signed/);
  expect(outputs["npx hardhat dvp:list"]).to.match(/TRADE-0001\s+Settled\s+locked/);
  expect(outputs["npx hardhat payment:settle-batch"]).to.match(/settled 2 payments: gross 2,200\.00 USD, net moved 200\.00 USD/);
  expect(outputs["npx hardhat status"]).to.match(/supply\s+1,150,000\.00 USD/);
  expect(outputs["npx hardhat status"]).to.match(/supply\s+500,000\.00 EUR/);
  expect(outputs["npx hardhat dvp:settle-signed"]).to.match(/^settled FX-0001: 92,000\.00 EUR to 0x976EA74026E726554dB657fA54763abd0C3a0aa9, 100,000\.00 USD to 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955 at 1 USD = 0\.920000 EUR/m);
  expect(outputs["npx hardhat fx:show"]).to.match(/^quote signed\/Q-0001\.json \(quote hash 0x[0-9a-f]{64}\): usable$/m);
  expect(outputs["npx hardhat fx:pay"]).to.include("paid with quote signed/Q-0001.json: 50,000.00 USD from 0x976EA74026E726554dB657fA54763abd0C3a0aa9 to provider 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955, 46,000.00 EUR from the provider to 0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f at 1 USD = 0.920000 EUR");
}
