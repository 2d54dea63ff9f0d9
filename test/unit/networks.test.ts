import { expect } from "chai";
import type { HttpNetworkUserConfig } from "hardhat/types";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import hre, { ethers } from "hardhat";
import { DEV_MNEMONIC, DEV_PRIVATE_KEYS } from "../../lib/devnet";
import { isDevelopmentNetwork, networkSettings, requireNetworkEnv } from "../../lib/networks";
import { accountSpecs, missingAccounts } from "../../lib/signers/accounts";
import { NetworkBlocked } from "../../network/geth-binary";
import { runMain } from "../../network/main";

const KEY = `0x${"11".repeat(32)}`;

describe("networks: endpoints from the environment, development networks by an explicit setting", function () {
  it("reaches any JSON-RPC URL and chain id from RPC_URL and RPC_CHAIN_ID; Hardhat holds no key of it (lib/signers does)", function () {
    const rpc = networkSettings({ RPC_URL: "http://10.0.0.7:8545", RPC_CHAIN_ID: "4242", DEPLOYER_PRIVATE_KEY: KEY }).rpc;
    const config = rpc.config as HttpNetworkUserConfig;
    expect([config.url, config.chainId, config.accounts, rpc.development]).to.deep.equal(["http://10.0.0.7:8545", 4242, [], false]);
  });

  it("makes a network a development network only by its setting: RPC_DEVELOPMENT=1 gives the development keys", function () {
    const rpc = networkSettings({ RPC_URL: "http://10.0.0.7:8545", RPC_DEVELOPMENT: "1" }).rpc;
    expect(rpc.development).to.equal(true);
    expect((rpc.config as HttpNetworkUserConfig).accounts).to.deep.equal(DEV_PRIVATE_KEYS.slice(0, 12));
    expect(["hardhat", "localhost", "qbft", "rpc", "besu", "unknown"].map((n) => isDevelopmentNetwork(n, {}))).to.deep.equal([true, true, true, false, false, false]);
  });

  it("keeps the development mnemonic's first 20 keys, as Hardhat derives them, on every development network", async function () {
    const account = HDNodeWallet.fromSeed(Mnemonic.fromPhrase(DEV_MNEMONIC).computeSeed()).derivePath("m/44'/60'/0'/0");
    const derived = Array.from({ length: 20 }, (_, i) => account.deriveChild(i).privateKey);
    expect(DEV_PRIVATE_KEYS).to.deep.equal(derived);
    const settings = networkSettings({ RPC_DEVELOPMENT: "1", RPC_URL: "http://x" });
    for (const name of ["localhost", "qbft", "rpc"]) expect((settings[name].config as HttpNetworkUserConfig).accounts, name).to.deep.equal(derived.slice(0, 12));
    // The in-process network: Hardhat's own default accounts (its default mnemonic is this one), same balances.
    const signers = await ethers.getSigners();
    expect(signers.map((s) => s.address)).to.deep.equal(derived.map((k) => new Wallet(k).address));
    expect(await ethers.provider.getBalance(signers[19].address)).to.be.at.least(9_000n * 10n ** 18n);
    expect(hre.network.config.accounts).to.deep.equal(derived.map((privateKey) => ({ privateKey, balance: (10_000n * 10n ** 18n).toString() })));
  });

  it("points localhost at RPC_TEST_PORT, by default 8645, away from the QBFT network's 8545-8548", function () {
    expect((networkSettings({}).localhost.config as HttpNetworkUserConfig).url).to.equal("http://127.0.0.1:8645");
    expect((networkSettings({ RPC_TEST_PORT: "8611" }).localhost.config as HttpNetworkUserConfig).url).to.equal("http://127.0.0.1:8611");
  });

  it("names the missing or malformed variable in one line", function () {
    expect(() => requireNetworkEnv("rpc", {})).to.throw("network rpc: RPC_URL not set (copy .env.example to .env)");
    expect(() => requireNetworkEnv("besu", {})).to.throw("network besu: BESU_RPC_URL, BESU_CHAIN_ID not set (copy .env.example to .env)");
    expect(() => requireNetworkEnv("rpc", { RPC_URL: "http://x", RPC_DEVELOPMENT: "1" })).to.not.throw();
    expect(() => requireNetworkEnv("besu", { BESU_RPC_URL: "http://x", BESU_CHAIN_ID: "x" })).to.throw('BESU_CHAIN_ID="x" is not a chain id');
  });

  it("needs only the endpoint on rpc and besu for a read-only command: no signing key, and no account configured", function () {
    const rpc = { RPC_URL: "http://x" };
    const besu = { BESU_RPC_URL: "http://x", BESU_CHAIN_ID: "4242" };
    expect(() => requireNetworkEnv("rpc", rpc)).to.not.throw();
    expect(() => requireNetworkEnv("besu", besu)).to.not.throw();
    expect([(networkSettings(rpc).rpc.config as HttpNetworkUserConfig).accounts, (networkSettings(besu).besu.config as HttpNetworkUserConfig).accounts]).to.deep.equal([[], []]);
  });

  it("refuses raw keys in the environment off development networks unless ALLOW_RAW_KEYS=1, naming the variables and what to use", function () {
    const besu = { BESU_RPC_URL: "http://x", BESU_CHAIN_ID: "4242" };
    expect(() => accountSpecs("besu", { ...besu, DEPLOYER_PRIVATE_KEY: KEY })).to.throw(
      "network besu: DEPLOYER_PRIVATE_KEY holds a raw private key, refused on a network that is not a development network: give the accounts in SIGNERS_FILE (HSM, keystore or signing service), or set ALLOW_RAW_KEYS=1 for a test or throwaway network");
    expect(() => accountSpecs("rpc", { RPC_URL: "http://x", DEPLOYER_PRIVATE_KEY: KEY, OPERATOR_PRIVATE_KEYS: KEY })).to.throw(
      /^network rpc: DEPLOYER_PRIVATE_KEY and OPERATOR_PRIVATE_KEYS hold raw private keys, refused/);
    const allowed = accountSpecs("besu", { ...besu, DEPLOYER_PRIVATE_KEY: KEY, OPERATOR_PRIVATE_KEYS: ` ${KEY.slice(2)} ,`, ALLOW_RAW_KEYS: "1" });
    expect(allowed).to.deep.equal([
      { name: "DEPLOYER_PRIVATE_KEY", backend: "raw", key: KEY },
      { name: "OPERATOR_PRIVATE_KEYS[0]", backend: "raw", key: KEY },
    ]);
  });

  it("names the account variable only when a command signs; development networks sign with the development keys", function () {
    const line = (n: string) => `network ${n} has no account to sign with: set SIGNERS_FILE (an accounts file naming each account's HSM key, keystore or signing service)`;
    expect(missingAccounts("rpc", { RPC_URL: "http://x" })).to.equal(line("rpc"));
    expect(missingAccounts("besu", { BESU_RPC_URL: "http://x", BESU_CHAIN_ID: "4242", DEPLOYER_PRIVATE_KEY: " " })).to.equal(line("besu"));
    expect(missingAccounts("rpc", { RPC_URL: "http://x", DEPLOYER_PRIVATE_KEY: KEY, ALLOW_RAW_KEYS: "1" })).to.equal(undefined);
    expect(["hardhat", "localhost", "qbft"].map((n) => [accountSpecs(n, {}), missingAccounts(n, {})])).to.deep.equal([[undefined, undefined], [undefined, undefined], [undefined, undefined]]);
    expect(accountSpecs("rpc", { RPC_URL: "http://x", RPC_DEVELOPMENT: "1" })).to.equal(undefined);
  });

  it("refuses a malformed raw key even for a read-only command, so account indices never shift", function () {
    const allow = { ALLOW_RAW_KEYS: "1", BESU_RPC_URL: "http://x", BESU_CHAIN_ID: "4242" };
    expect(() => accountSpecs("besu", { ...allow, DEPLOYER_PRIVATE_KEY: "0x12" })).to.throw("DEPLOYER_PRIVATE_KEY is not a 32-byte hex private key");
    expect(() => accountSpecs("besu", { ...allow, DEPLOYER_PRIVATE_KEY: KEY, OPERATOR_PRIVATE_KEYS: `${KEY},nope` }))
      .to.throw("OPERATOR_PRIVATE_KEYS entry 1 is not a 32-byte hex private key");
  });

  it("names the variable that sets the chain id a network expects", function () {
    const settings = networkSettings({});
    expect([settings.rpc.chainIdVariable, settings.besu.chainIdVariable, settings.qbft.chainIdVariable]).to.deep.equal(["RPC_CHAIN_ID", "BESU_CHAIN_ID", undefined]);
  });
});

describe("network commands' exit (network/main.ts, shared by network/cli.ts and network/test-qbft.ts)", function () {
  async function exit(error: Error): Promise<{ code: number | string | undefined; lines: string[] }> {
    const lines: string[] = [];
    const original = console.error;
    console.error = (line: string) => lines.push(line);
    try {
      runMain(() => Promise.reject(error));
      await new Promise((r) => setImmediate(r));
      return { code: process.exitCode, lines };
    } finally {
      console.error = original;
      process.exitCode = 0;
    }
  }

  it("exits 3 with one line when the node cannot be had, 1 with one line on any other failure", async function () {
    expect(await exit(new NetworkBlocked("module proxy refused the node"))).to.deep.equal({ code: 3, lines: ["QBFT network unavailable: module proxy refused the node"] });
    expect(await exit(new Error("port 8545 busy"))).to.deep.equal({ code: 1, lines: ["error: port 8545 busy"] });
  });
});
