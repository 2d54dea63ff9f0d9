import { expect } from "chai";
import { spawnSync } from "child_process";
import path from "path";

const ROOT = path.join(__dirname, "..", "..");
export const MARKER = "<!-- operator-session: run as written by test/readme/session.test.ts -->";
export const UPGRADE_MARKER = "<!-- upgrade-session: run as written by test/readme/session.test.ts -->";

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
 * Runs the session's steps exactly as written, each line through bash with the variables the session sets
 * before it, in `env`: a step the README marks with an error must fail with that one line, every other
 * step must succeed with nothing on stderr. Gives each command's output by its command name.
 */
export function runSession(steps: Step[], env: NodeJS.ProcessEnv): Record<string, string> {
  const prelude: string[] = [];
  const outputs: Record<string, string> = {};
  for (const step of steps) {
    if (/^[A-Z_]+=("[^"]*"|\S+)(\s+[A-Z_]+=("[^"]*"|\S+))*$/.test(step.command)) {
      prelude.push(step.command);
      continue;
    }
    const r = spawnSync("bash", ["-c", [...prelude, step.command].join("\n")], { cwd: ROOT, env, encoding: "utf8" });
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
