import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenKey, ESCROW_KEY, issuanceDeskKey, REGISTRY_KEY, securityTokenKey, TIMELOCK_KEY } from "../../lib/deployment";
import { DEMO_SECURITY } from "../../lib/suite";
import { roleId } from "../../lib/roles";
import { useTemporaryDir } from "../helpers/temporary";
import { developmentKeystore } from "../signers/accounts-file";
import { useSoftHsm } from "../signers/softhsm";
import { deployed, failed, funded, load, ok, run, useTemporaryDeployments } from "./helpers";

const DESK = issuanceDeskKey("USD");
const TOKEN = depositTokenKey("USD");
const ISSUER = roleId("ISSUER_ROLE");

interface Listed {
  contracts: { contract: string; address: string; defaultAdmin: string | null; pendingAdmin: { account: string; acceptableFrom: string; acceptable: boolean } | null; roles: { role: string; holder: string; duty: string }[] }[];
}

async function listed(): Promise<Listed> {
  return JSON.parse(ok(await run("roles:list", { json: true }))) as Listed;
}

describe("Role and key lifecycle commands (Hardhat tasks)", function () {
  useTemporaryDeployments();
  const dir = useTemporaryDir("roles", { each: true });

  async function newKey() {
    return (await ethers.getSigners())[12];
  }

  describe("roles:list", function () {
    it("lists every holder of every role on every recorded contract, each with its duty, confirmed on chain", async function () {
      const { admin, compliance, issuer, secondIssuer, reserve, pauser, upgrader, guardian, record } = await load(deployed);
      const { contracts } = await listed();
      expect(contracts.map((c) => c.contract)).to.have.members(Object.keys(record.contracts));
      const on = (key: string) => contracts.find((c) => c.contract === key)!;
      const timelock = record.contracts[TIMELOCK_KEY].address;
      const desk = record.contracts[DESK].address;
      expect(on(DESK).defaultAdmin).to.equal(admin.address);
      expect(on(DESK).pendingAdmin).to.equal(null);
      expect(on(DESK).roles).to.deep.equal([
        { role: "DEFAULT_ADMIN_ROLE", holder: admin.address, duty: "admin" },
        { role: "ISSUER_ROLE", holder: issuer.address, duty: "issuer or secondIssuer" },
        { role: "ISSUER_ROLE", holder: secondIssuer.address, duty: "issuer or secondIssuer" },
        { role: "RESERVE_ROLE", holder: reserve.address, duty: "reserve" },
        { role: "UPGRADER_ROLE", holder: timelock, duty: TIMELOCK_KEY },
      ]);
      expect(on(TOKEN).roles).to.deep.include.members([
        { role: "COMPLIANCE_ROLE", holder: compliance.address, duty: "compliance" },
        { role: "ISSUER_ROLE", holder: desk, duty: DESK },
        { role: "PAUSER_ROLE", holder: pauser.address, duty: "pauser" },
      ]);
      // the deployer held UPGRADER_ROLE and renounced it: it is not listed
      expect(on(REGISTRY_KEY).roles.filter((r) => r.role === "UPGRADER_ROLE")).to.deep.equal([{ role: "UPGRADER_ROLE", holder: timelock, duty: TIMELOCK_KEY }]);
      expect(on(TIMELOCK_KEY).defaultAdmin).to.equal(null);
      expect(on(TIMELOCK_KEY).roles).to.deep.include.members([
        { role: "DEFAULT_ADMIN_ROLE", holder: timelock, duty: TIMELOCK_KEY },
        { role: "PROPOSER_ROLE", holder: upgrader.address, duty: "upgrader" },
        { role: "CANCELLER_ROLE", holder: guardian.address, duty: "guardian" },
      ]);
      expect(on(ESCROW_KEY).roles.map((r) => r.role)).to.include("COMPLIANCE_ROLE");
      expect(on(securityTokenKey(DEMO_SECURITY.isin)).roles.map((r) => r.role)).to.include("ISSUER_ROLE");
      const table = ok(await run("roles:list"));
      expect(table.split("\n")[0]).to.match(/^contract\s+role\s+holder\s+duty$/);
      expect(table).to.match(new RegExp(`${DESK}\\s+ISSUER_ROLE\\s+${secondIssuer.address}\\s+issuer or secondIssuer`));
    });

    it("drops a revoked holder and shows a pending default admin transfer with the moment it becomes acceptable", async function () {
      const { issuer, outsider } = await load(deployed);
      ok(await run("roles:revoke", { contract: DESK, role: "ISSUER_ROLE", account: issuer.address }));
      ok(await run("admin:begin-transfer", { contract: DESK, to: outsider.address }));
      const desk = (await listed()).contracts.find((c) => c.contract === DESK)!;
      expect(desk.roles.map((r) => r.holder)).not.to.include(issuer.address);
      const acceptableFrom = new Date(((await time.latest()) + 61) * 1000).toISOString().replace(".000Z", "Z");
      expect(desk.pendingAdmin).to.deep.equal({ account: outsider.address, acceptableFrom, acceptable: false });
      expect(ok(await run("roles:list"))).to.include(`${DESK}: default admin transfer to ${outsider.address} pending, acceptable from ${acceptableFrom}`);
    });
  });

  describe("roles:grant and roles:revoke", function () {
    it("grants and revokes a role, with JSON output naming the duty", async function () {
      const { desk } = await load(deployed);
      const key = await newKey();
      const granted = JSON.parse(ok(await run("roles:grant", { contract: DESK, role: "ISSUER_ROLE", account: key.address, json: true }))) as Record<string, unknown>;
      expect(granted).to.include({ contract: DESK, role: "ISSUER_ROLE", account: key.address, duty: "issuer or secondIssuer", granted: true });
      expect(granted.transactions).to.have.length(1);
      expect(await desk.hasRole(ISSUER, key.address)).to.equal(true);
      expect(failed(await run("roles:grant", { contract: DESK, role: "ISSUER_ROLE", account: key.address })))
        .to.equal(`error: ${key.address} already holds ISSUER_ROLE on ${DESK}; nothing was sent`);
      expect(ok(await run("roles:revoke", { contract: DESK, role: "issuer_role", account: key.address })))
        .to.match(new RegExp(`${key.address} no longer holds ISSUER_ROLE on ${DESK}$`));
      expect(await desk.hasRole(ISSUER, key.address)).to.equal(false);
      expect(failed(await run("roles:revoke", { contract: DESK, role: "ISSUER_ROLE", account: key.address })))
        .to.equal(`error: ${key.address} does not hold ISSUER_ROLE on ${DESK}; nothing was sent`);
    });

    it("explains a grant the separation of duties refuses, naming the conflicting role and where it is held, and sends nothing", async function () {
      const { issuer, reserve, desk, usd: token } = await load(deployed);
      const block = await ethers.provider.getBlockNumber();
      expect(failed(await run("roles:grant", { contract: DESK, role: "ISSUER_ROLE", account: reserve.address })))
        .to.equal(`error: grant ISSUER_ROLE on ${DESK} to ${reserve.address} refused: ConflictingRoles: ${reserve.address} holds RESERVE_ROLE on ${DESK}, which must stay apart from ISSUER_ROLE: one key may not hold both duties; nothing was sent`);
      // a duty held on another contract: the issuer's ISSUER_ROLE on the desk and on the security
      expect(failed(await run("roles:grant", { contract: TOKEN, role: "COMPLIANCE_ROLE", account: issuer.address })))
        .to.equal(`error: grant COMPLIANCE_ROLE on ${TOKEN} to ${issuer.address} refused: ConflictingRoles: ${issuer.address} holds ISSUER_ROLE on ${DESK}, ${securityTokenKey(DEMO_SECURITY.isin)}, which must stay apart from COMPLIANCE_ROLE: one key may not hold both duties; nothing was sent`);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(await desk.hasRole(ISSUER, reserve.address)).to.equal(false);
      expect(await token.hasRole(roleId("COMPLIANCE_ROLE"), issuer.address)).to.equal(false);
    });

    it("refuses UPGRADER_ROLE, DEFAULT_ADMIN_ROLE and the timelock's roles with how they are changed", async function () {
      const { outsider } = await load(deployed);
      expect(failed(await run("roles:grant", { contract: TOKEN, role: "UPGRADER_ROLE", account: outsider.address })))
        .to.equal(`error: UPGRADER_ROLE on ${TOKEN} is held by ${TIMELOCK_KEY} and only it can pass it on: upgrades are scheduled with upgrade:schedule and the upgrade key is replaced with upgrade:rotate-key; nothing was sent`);
      expect(failed(await run("roles:grant", { contract: DESK, role: "DEFAULT_ADMIN_ROLE", account: outsider.address })))
        .to.equal(`error: DEFAULT_ADMIN_ROLE on ${DESK} changes by a two-step transfer with a delay: admin:begin-transfer by the admin, then admin:accept-transfer by the new admin; nothing was sent`);
      expect(failed(await run("roles:revoke", { contract: DESK, role: "DEFAULT_ADMIN_ROLE", account: outsider.address })))
        .to.match(/^error: DEFAULT_ADMIN_ROLE on .* two-step transfer/);
      expect(failed(await run("roles:grant", { contract: TIMELOCK_KEY, role: "PROPOSER_ROLE", account: outsider.address })))
        .to.equal(`error: the roles of ${TIMELOCK_KEY} change only by its own delayed operations: upgrade:rotate-key replaces the upgrade key; nothing was sent`);
    });

    it("refuses an outsider, an unknown contract key, an unknown role, a role the contract does not have, and a malformed address", async function () {
      const { outsider } = await load(deployed);
      expect(failed(await run("roles:grant", { contract: DESK, role: "ISSUER_ROLE", account: outsider.address, from: outsider.address })))
        .to.equal(`error: ${outsider.address} does not hold DEFAULT_ADMIN_ROLE on ${DESK}; nothing was sent`);
      expect(failed(await run("roles:revoke", { contract: DESK, role: "RESERVE_ROLE", account: outsider.address, from: outsider.address })))
        .to.equal(`error: ${outsider.address} does not hold DEFAULT_ADMIN_ROLE on ${DESK}; nothing was sent`);
      expect(failed(await run("roles:grant", { contract: "IssuanceDesk:XYZ", role: "ISSUER_ROLE", account: outsider.address })))
        .to.match(/^error: --contract "IssuanceDesk:XYZ": no contract with that key on hardhat \(recorded: .*IssuanceDesk:USD.*\)$/);
      expect(failed(await run("roles:grant", { contract: DESK, role: "MINTER_ROLE", account: outsider.address })))
        .to.match(/^error: --role "MINTER_ROLE" is not a role of the platform \(roles: DEFAULT_ADMIN_ROLE, COMPLIANCE_ROLE, ISSUER_ROLE, /);
      expect(failed(await run("roles:grant", { contract: TOKEN, role: "RESERVE_ROLE", account: outsider.address })))
        .to.match(/^error: DepositToken:USD has no RESERVE_ROLE \(its roles: COMPLIANCE_ROLE, ISSUER_ROLE, PAUSER_ROLE, UPGRADER_ROLE\)$/);
      expect(failed(await run("roles:grant", { contract: DESK, role: "ISSUER_ROLE", account: "0x1234" })))
        .to.match(/^error: --account "0x1234" is not an address/);
    });
  });

  describe("admin transfers", function () {
    it("begins a transfer on every contract, refuses accepting before the delay in words, and accepts after it", async function () {
      const { admin, outsider, registry, desk, record } = await load(deployed);
      const to = await newKey();
      const begun = JSON.parse(ok(await run("admin:begin-transfer", { contract: "all", to: to.address, json: true }))) as { transfers: { contract: string; from: string; to: string; acceptableFrom: string; delay: number }[] };
      const keys = Object.keys(record.contracts).filter((k) => k !== TIMELOCK_KEY);
      expect(begun.transfers.map((t) => t.contract)).to.deep.equal(keys);
      const acceptableAt = Number((await desk.pendingDefaultAdmin())[1]) + 1;
      expect(begun.transfers.find((t) => t.contract === DESK)).to.deep.equal({
        contract: DESK, from: admin.address, to: to.address, acceptableFrom: new Date(acceptableAt * 1000).toISOString().replace(".000Z", "Z"), delay: 60,
      });
      expect(failed(await run("admin:accept-transfer", { contract: DESK })))
        .to.match(new RegExp(`^error: the default admin transfer of ${DESK} to ${to.address} becomes acceptable at \\S+, in \\dm \\d+s; nothing was sent$`));
      expect(failed(await run("admin:accept-transfer", { contract: DESK, from: outsider.address })))
        .to.match(/becomes acceptable at/);
      // each contract's transfer began in its own block: the last becomes acceptable last
      await time.increaseTo(Math.max(...begun.transfers.map((t) => Date.parse(t.acceptableFrom) / 1000)));
      expect(failed(await run("admin:accept-transfer", { contract: DESK, from: outsider.address })))
        .to.equal(`error: ${outsider.address} is not the pending default admin of ${DESK} (${to.address} is); nothing was sent`);
      const accepted = JSON.parse(ok(await run("admin:accept-transfer", { contract: "all", json: true }))) as { accepted: { contract: string; defaultAdmin: string; from: string }[] };
      expect(accepted.accepted.map((a) => [a.contract, a.defaultAdmin, a.from])).to.deep.equal(keys.map((k) => [k, to.address, admin.address]));
      expect(await registry.defaultAdmin()).to.equal(to.address);
      expect(await desk.defaultAdmin()).to.equal(to.address);
      expect(failed(await run("admin:accept-transfer", { contract: "all" })))
        .to.equal("error: no default admin transfer is pending on any contract of hardhat; nothing was sent");
    });

    it("cancels a pending transfer; refuses an outsider, the timelock, a transfer to the current admin and a malformed address", async function () {
      const { admin, outsider, desk } = await load(deployed);
      expect(failed(await run("admin:begin-transfer", { contract: DESK, to: outsider.address, from: outsider.address })))
        .to.equal(`error: ${outsider.address} does not hold DEFAULT_ADMIN_ROLE on ${DESK}; nothing was sent`);
      expect(failed(await run("admin:begin-transfer", { contract: DESK, to: admin.address })))
        .to.equal(`error: ${admin.address} is the default admin of ${DESK} already; nothing was sent`);
      expect(failed(await run("admin:begin-transfer", { contract: TIMELOCK_KEY, to: outsider.address })))
        .to.equal(`error: ${TIMELOCK_KEY} has no default admin: it administers itself through its delayed operations; nothing was sent`);
      expect(failed(await run("admin:begin-transfer", { contract: "Nothing", to: outsider.address }))).to.match(/^error: --contract "Nothing": no contract with that key/);
      expect(failed(await run("admin:begin-transfer", { contract: DESK, to: "nobody" }))).to.match(/^error: --to "nobody" is not an address/);
      expect(failed(await run("admin:cancel-transfer", { contract: DESK })))
        .to.equal(`error: no default admin transfer is pending on ${DESK}; nothing was sent`);
      expect(failed(await run("admin:accept-transfer", { contract: DESK })))
        .to.equal(`error: no default admin transfer is pending on ${DESK}; nothing was sent`);
      expect(ok(await run("admin:begin-transfer", { contract: DESK, to: outsider.address })))
        .to.match(new RegExp(`${DESK}: default admin transfer from ${admin.address} to ${outsider.address} begun; ${outsider.address} accepts it with admin:accept-transfer from \\S+ \\(delay 1m 0s\\)$`));
      expect(failed(await run("admin:cancel-transfer", { contract: DESK, from: outsider.address })))
        .to.equal(`error: ${outsider.address} does not hold DEFAULT_ADMIN_ROLE on ${DESK}; nothing was sent`);
      const cancelled = JSON.parse(ok(await run("admin:cancel-transfer", { contract: "all", json: true }))) as { cancelled: { contract: string; to: string }[] };
      expect(cancelled.cancelled).to.deep.equal([{ contract: DESK, to: outsider.address }]);
      expect((await desk.pendingDefaultAdmin())[0]).to.equal(ethers.ZeroAddress);
      expect(failed(await run("admin:cancel-transfer", { contract: "all" })))
        .to.equal("error: no default admin transfer is pending on any contract of hardhat; nothing was sent");
    });
  });

  describe("token:set-max-attestation-age", function () {
    it("the admin sets the maximum age of the reserve report on the currency's desk; issuance stops past it", async function () {
      const { desk, acme, issuer } = await load(funded);
      const set = JSON.parse(ok(await run("token:set-max-attestation-age", { days: "7", json: true }))) as Record<string, unknown>;
      expect(set).to.include({ contract: DESK, days: 7, maxAttestationAge: 7 * 86400, previousDays: 35 });
      expect(await desk.maxAttestationAge()).to.equal(7n * 86400n);
      expect(ok(await run("token:set-max-attestation-age", { days: "10" })))
        .to.match(new RegExp(`, gas \\d+\n${DESK}: issuance stops once the last reserve report is older than 10 days \\(was 7 days\\)$`));
      await time.increase(11 * 86400);
      expect(failed(await run("token:issue", { to: acme.address, amount: "1.00", depositRef: "late", from: issuer.address })))
        .to.match(/AttestationStale: the last reserve report is as of \S+, older than the maximum age of 10 days/);
    });

    it("refuses an outsider, zero or malformed days, and an unknown currency", async function () {
      const { outsider } = await load(deployed);
      expect(failed(await run("token:set-max-attestation-age", { days: "7", from: outsider.address })))
        .to.equal(`error: ${outsider.address} does not hold DEFAULT_ADMIN_ROLE on ${DESK}; nothing was sent`);
      for (const days of ["0", "1.5", "seven", "36501"]) {
        expect(failed(await run("token:set-max-attestation-age", { days }))).to.equal(`error: --days "${days}" is not a whole number of days from 1 to 36500`);
      }
      expect(failed(await run("token:set-max-attestation-age", { days: "7", currency: "XYZ" })))
        .to.equal('error: no deposit token for currency "XYZ" on hardhat (deployed: USD)');
    });
  });

  describe("payment:cancel", function () {
    const file = (name: string) => path.join(dir(), name);

    it("the payer cancels an unused signed payment from its file; it can no longer settle, and a second cancel is refused", async function () {
      const { acme, globex, usd: token } = await load(funded);
      ok(await run("payment:sign", { from: acme.address, to: globex.address, amount: "10.00", ref: "INV-1", out: file("p.json") }));
      const { payment } = JSON.parse(fs.readFileSync(file("p.json"), "utf8")) as { payment: { nonce: string } };
      const cancelled = JSON.parse(ok(await run("payment:cancel", { file: file("p.json"), json: true }))) as Record<string, unknown>;
      expect(cancelled).to.include({ authorizer: acme.address, nonce: payment.nonce, cancelled: true });
      expect(await token.authorizationState(acme.address, payment.nonce)).to.equal(true);
      const [event] = await token.queryFilter(token.filters.AuthorizationCanceled(acme.address));
      expect(event.args.nonce).to.equal(payment.nonce);
      expect(failed(await run("payment:settle", { file: file("p.json"), from: globex.address }))).to.include("AuthorizationAlreadyUsed");
      expect(failed(await run("payment:cancel", { file: file("p.json") })))
        .to.equal(`error: nonce ${payment.nonce} of ${acme.address} is already used: its signed payment has settled or was cancelled; nothing was sent`);
      expect(await token.balanceOf(globex.address)).to.equal(0n);
    });

    it("cancels by --nonce with --from, and refuses another signer than the payer and bad input", async function () {
      const { acme, globex, usd: token } = await load(funded);
      expect(ok(await run("payment:cancel", { nonce: "7", from: acme.address })))
        .to.match(new RegExp(`nonce 0x0{63}7 of ${acme.address} cancelled: no payment signed with it can settle$`));
      expect(await token.authorizationState(acme.address, ethers.toBeHex(7, 32))).to.equal(true);
      ok(await run("payment:sign", { from: acme.address, to: globex.address, amount: "10.00", ref: "INV-2", out: file("q.json") }));
      expect(failed(await run("payment:cancel", { file: file("q.json"), from: globex.address })))
        .to.equal(`error: ${file("q.json")} was signed by ${acme.address}: only its payer may cancel it, not ${globex.address}`);
      expect(failed(await run("payment:cancel", { nonce: "7" }))).to.equal("error: --nonce needs --from: the payer whose nonce it is");
      expect(failed(await run("payment:cancel", {}))).to.equal("error: give --file (a signed-payment file) or --nonce with --from (the payer)");
      expect(failed(await run("payment:cancel", { file: file("q.json"), nonce: "1" }))).to.equal("error: give --file or --nonce, not both");
      expect(failed(await run("payment:cancel", { nonce: "x", from: acme.address }))).to.equal('error: --nonce "x" is not a number (decimal or 0x hex)');
      expect(failed(await run("payment:cancel", { file: file("none.json") }))).to.match(/^error: --file .*none\.json does not exist$/);
      expect(failed(await run("payment:cancel", { file: file("q.json"), currency: "XYZ" }))).to.match(/^error: no deposit token for currency "XYZ"/);
    });
  });

  describe("runbook: replace an issuance officer's key with a new HSM key, with no stop in issuance (docs/SECURITY.md)", function () {
    const hsm = useSoftHsm("issuance-officers");
    const file = (name: string) => path.join(dir(), name);
    const saved = process.env.SIGNERS_FILE;
    afterEach(function () {
      if (saved === undefined) delete process.env.SIGNERS_FILE;
      else process.env.SIGNERS_FILE = saved;
    });

    it("follows the runbook command by command", async function () {
      const { desk, issuer, secondIssuer, acme, globex } = await load(funded);
      // 0. the key ceremony: the new key is generated inside the HSM and added to the accounts file.
      const token = hsm();
      const generated = JSON.parse(ok(await run("keys:generate", {
        backend: "pkcs11", module: token.module, token: token.token, label: "issuer-2027", pinFile: token.pinFile, json: true,
      }))) as { address: string; account: Record<string, string> };
      const replacement = { address: generated.address };
      // A new account: the network gives it gas money (the in-process network's gas price is 0 but coverage's is not).
      await ethers.provider.send("hardhat_setBalance", [replacement.address, ethers.toBeHex(10n ** 20n)]);
      // The other accounts keep their keys: encrypted keystores of the development keys, in their order.
      const accounts: Record<string, string>[] = [];
      for (const [i, signer] of (await ethers.getSigners()).slice(0, 12).entries()) {
        const { spec, address } = await developmentKeystore(i, dir());
        expect(address).to.equal(signer.address);
        accounts.push({ ...spec });
      }
      accounts.push(generated.account);
      fs.writeFileSync(file("accounts.json"), JSON.stringify({ accounts }));
      process.env.SIGNERS_FILE = file("accounts.json");
      const keys = JSON.parse(ok(await run("keys:list", { json: true }))) as { accounts: { index: number; backend: string; address: string; extractable: boolean | null; roles: string[] }[] };
      expect(keys.accounts[12]).to.deep.include({ backend: "pkcs11", address: replacement.address, extractable: false, roles: [] });
      // Before: the old key has two proposals waiting for a second officer.
      ok(await run("token:issue", { to: acme.address, amount: "2000000.00", depositRef: "DEP-A", from: issuer.address }));
      ok(await run("token:issue", { to: globex.address, amount: "1500000.00", depositRef: "DEP-B", from: issuer.address }));
      // 1. grant ISSUER_ROLE on the desk to the new key
      expect(ok(await run("roles:grant", { contract: DESK, role: "ISSUER_ROLE", account: replacement.address })))
        .to.include(`${replacement.address} holds ISSUER_ROLE on ${DESK} (issuer or secondIssuer); it issues alone within an allowance set with token:set-allowance --currency USD --officer ${replacement.address}`);
      // 2. its allowance
      ok(await run("token:set-allowance", { officer: replacement.address, amount: "5000000.00" }));
      // issuance goes on under the new key while the old one still holds its role
      expect(ok(await run("token:issue", { to: acme.address, amount: "100.00", depositRef: "DEP-C", from: replacement.address })))
        .to.include(`issued 100.00 USD to ${acme.address}`);
      // 3. the old key's pending proposals: one approved (by the new key), one cancelled
      const pending = JSON.parse(ok(await run("token:issuances", { json: true }))) as { proposals: { id: string; proposer: string }[] };
      expect(pending.proposals.map((p) => [p.id, p.proposer])).to.deep.equal([["1", issuer.address], ["2", issuer.address]]);
      ok(await run("token:approve-issuance", { id: "1", from: replacement.address }));
      ok(await run("token:cancel-issuance", { id: "2", from: issuer.address }));
      expect(ok(await run("token:issuances"))).to.equal("no proposals waiting for a second officer");
      // 4. revoke the old key
      ok(await run("roles:revoke", { contract: DESK, role: "ISSUER_ROLE", account: issuer.address }));
      // 5. its allowance to 0
      ok(await run("token:set-allowance", { officer: issuer.address, amount: "0" }));
      expect((await desk.officerAllowance(issuer.address)).allowance).to.equal(0n);
      // After: the old key is refused, the new key and the second officer keep dual control going
      expect(failed(await run("token:issue", { to: acme.address, amount: "1.00", depositRef: "DEP-D", from: issuer.address })))
        .to.equal(`error: ${issuer.address} does not hold ISSUER_ROLE on ${DESK}; nothing was sent`);
      ok(await run("token:issue", { to: acme.address, amount: "1200000.00", depositRef: "DEP-E", from: replacement.address }));
      ok(await run("token:approve-issuance", { id: "3", from: secondIssuer.address }));
      const holders = (await listed()).contracts.find((c) => c.contract === DESK)!.roles.filter((r) => r.role === "ISSUER_ROLE").map((r) => r.holder);
      expect(holders).to.have.members([secondIssuer.address, replacement.address]);
      expect(await desk.hasRole(ISSUER, issuer.address)).to.equal(false);
      // The new key's transactions were signed in the HSM: it is the sender of the issuance it proposed.
      const proposal = await desk.proposal(3);
      expect(proposal.proposer).to.equal(replacement.address);
    });
  });
});
