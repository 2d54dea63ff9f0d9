import { expect } from "chai";
import { spawnSync } from "child_process";
import path from "path";
import { hardhatErrorLine } from "../../lib/cli/hardhat-errors";

const ROOT = path.join(__dirname, "..", "..");

/** `npx hardhat <args>` as a user runs it on a Linux machine without a display (where Hardhat prints stack traces). */
function hardhat(args: string[]) {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), args, { cwd: ROOT, env, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr.split("\n").filter((l) => l.trim() !== ""), stdout: r.stdout.trim() };
}

describe("Hardhat's own errors on the command line", function () {
  this.timeout(120_000);

  it("are one line and exit code 1: unknown network, missing required option, unknown option, option=value", function () {
    const cases: [string[], string][] = [
      [["participant:list", "--network", "nowhere"], 'error: network "nowhere" is not configured (configured: hardhat, localhost, qbft, rpc, besu); nothing was sent'],
      [["participant:onboard", "--wallets", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"], "error: participant:onboard needs --id (npx hardhat help participant:onboard lists its options); nothing was sent"],
      [["participant:list", "--colour", "red"], "error: unknown option --colour (npx hardhat help <command> lists a command's options); nothing was sent"],
      [["token:transfer", "--to", "0x976EA74026E726554dB657fA54763abd0C3a0aa9", "--amount=-5.00"], "error: --amount=-5.00: give an option's value after a space, as --amount -5.00; nothing was sent"],
    ];
    for (const [args, line] of cases) {
      const r = hardhat(args);
      expect(r.status, args.join(" ")).to.equal(1);
      expect(r.stderr, args.join(" ")).to.deep.equal([line]);
      expect(r.stdout, args.join(" ")).to.equal("");
    }
  });

  it("keep the stack trace for whoever asks for it with --show-stack-traces", function () {
    const r = hardhat(["participant:list", "--network", "nowhere", "--show-stack-traces"]);
    expect(r.status).to.equal(1);
    expect(r.stderr.length).to.be.greaterThan(2);
  });

  it("are put in words without their code", function () {
    expect(hardhatErrorLine("HH108: Cannot connect to the network localhost.\nPlease make sure", [])).to.equal("Cannot connect to the network localhost; nothing was sent");
  });
});
