import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { depositTokenFixture, ids, usd } from "../fixtures";
import { fcParameters } from "./fcConfig";

const WALLETS = 4; // alice, alice2 (participant alpha), bob (beta), carol (never onboarded)
const wallet = fc.integer({ min: 0, max: WALLETS - 1 });
const amount = fc.bigInt({ min: 0n, max: 1_500_000n });
/** 0: the first issuance officer, 1: the second, 2: a key of another duty (reserve attester, compliance) or an outsider. */
const signer = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 1 }), weight: 4 }, { arbitrary: fc.integer({ min: 2, max: 4 }), weight: 1 });

const THRESHOLD = usd("10000.00");
const REDEMPTION_THRESHOLD = usd("5000.00");
const ALLOWANCE = usd("30000.00");
const WINDOW = 24 * 3600;

type Action =
  | { kind: "mint" | "propose"; by: number; to: number; amount: bigint }
  | { kind: "approve" | "cancel"; by: number; pick: number }
  | { kind: "transfer"; from: number; to: number; amount: bigint }
  | { kind: "freeze" | "unfreeze"; who: number }
  | { kind: "suspend" | "reinstate"; participant: "alpha" | "beta" }
  | { kind: "redeem"; from: number; amount: bigint }
  | { kind: "complete" | "proposeCompletion" | "reject"; by: number; pick: number }
  | { kind: "attest"; by: number; delta: bigint; backHours: number }
  | { kind: "wait"; hours: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constantFrom("mint" as const, "propose" as const), by: signer, to: wallet, amount }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constantFrom("approve" as const, "approve" as const, "cancel" as const), by: signer, pick: fc.nat() }), weight: 4 },
  fc.record({ kind: fc.constant("transfer" as const), from: wallet, to: wallet, amount }),
  fc.record({ kind: fc.constantFrom("freeze" as const, "unfreeze" as const), who: wallet }),
  fc.record({ kind: fc.constantFrom("suspend" as const, "reinstate" as const), participant: fc.constantFrom("alpha" as const, "beta" as const) }),
  fc.record({ kind: fc.constant("redeem" as const), from: wallet, amount }),
  { arbitrary: fc.record({ kind: fc.constantFrom("complete" as const, "proposeCompletion" as const, "reject" as const), by: signer, pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("redeem" as const), from: wallet, amount }), weight: 2 },
  // reports above and below the supply, cut off up to three days before they are submitted
  { arbitrary: fc.record({ kind: fc.constant("attest" as const), by: fc.oneof({ arbitrary: fc.constant(2), weight: 4 }, { arbitrary: signer, weight: 1 }), delta: fc.bigInt({ min: -1_000_000n, max: 2_000_000n }), backHours: fc.integer({ min: 0, max: 72 }) }), weight: 2 },
  fc.record({ kind: fc.constant("wait" as const), hours: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 40 * 24 })) }),
);

describe("DepositToken and IssuanceDesk invariants (property)", function () {
  it("keeps supply = balances + pending, supply within the last report less the payouts since its cut-off, issuance fresh, dual control and allowances, whoever signs", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30 }), async (actions) => {
        const f = await loadFixture(depositTokenFixture);
        const { token, desk, registry } = f;
        await desk.connect(f.admin).setLimits(THRESHOLD, REDEMPTION_THRESHOLD, WINDOW);
        for (const officer of [f.issuer, f.secondIssuer]) await desk.connect(f.admin).setOfficerAllowance(officer.address, ALLOWANCE);
        const keys = [f.issuer, f.secondIssuer, f.reserve, f.compliance, f.outsider];
        const wallets = [f.alice, f.alice2, f.bob, f.carol];
        const holders = [...wallets.map((w) => w.address), await token.getAddress()];
        const maxAge = await desk.maxAttestationAge();
        // the model: the last report (amount, cut-off) and every payout with its block time
        let { amount: lastAttested, asOf } = await desk.attestation();
        let covered = true; // the last report covered the supply when it was submitted
        const payouts: { at: bigint; amount: bigint }[] = [];
        const alone: { officer: string; at: bigint; amount: bigint }[] = [...await seedIssuances()];
        const usedRefs = new Set<string>([ethers.id("deposit-alice-1"), ethers.id("deposit-bob-1")]);
        let step = 0;
        const balances = () => Promise.all(holders.map((h) => token.balanceOf(h)));
        const available = () => {
          const paid = payouts.filter((p) => p.at >= asOf).reduce((x, p) => x + p.amount, 0n);
          return lastAttested > paid ? lastAttested - paid : 0n;
        };
        for (const a of actions) {
          step++;
          const before = await balances();
          const supplyBefore = await token.totalSupply();
          const eligible = await Promise.all(wallets.map(async (w) =>
            (await registry.isAllowed(w.address)) && !(await token.isFrozen(w.address))));
          let receipt: Awaited<ReturnType<ContractTransactionResponse["wait"]>> = null;
          try {
            receipt = await perform(a, step);
          } catch (e) {
            if (!isContractRevert(e)) throw e; // refusals are expected; anything else is a bug in the test
          }
          const now = BigInt(await time.latest());
          const after = await balances();
          const what = JSON.stringify(a, big);
          for (let i = 0; i < wallets.length; i++) {
            if (after[i] > before[i]) expect(eligible[i], `wallet ${i} credited by ${what}`).to.equal(true);
          }
          const supply = await token.totalSupply();
          const pending = await pendingFromRequests();
          expect(supply).to.equal(after.slice(0, WALLETS).reduce((x, y) => x + y, 0n) + pending);
          expect(await token.pendingRedemptions()).to.equal(pending);
          // what each transaction did, from its events
          for (const log of receipt?.logs ?? []) {
            const e = desk.interface.parseLog(log) ?? token.interface.parseLog(log);
            if (!e) continue;
            if (e.name === "Issued") {
              expect(supply <= available(), `issued above the reserves by ${what}`).to.equal(true);
              expect(now - asOf <= maxAge, `issued on a stale report by ${what}`).to.equal(true);
              expect(usedRefs.has(e.args.depositRef), `deposit reference issued twice by ${what}`).to.equal(false);
              usedRefs.add(e.args.depositRef);
            }
            if (e.name === "IssuedByOfficer") {
              expect(e.args.amount <= THRESHOLD, `one officer issued above the threshold: ${what}`).to.equal(true);
              alone.push({ officer: e.args.officer, at: now, amount: e.args.amount });
              const inWindow = alone.filter((x) => x.officer === e.args.officer && x.at > now - BigInt(WINDOW)).reduce((s, x) => s + x.amount, 0n);
              expect(inWindow <= ALLOWANCE, `officer above its 24-hour allowance: ${what}`).to.equal(true);
            }
            if (e.name === "ProposalApproved") expect(e.args.approver).to.not.equal(e.args.proposer);
            if (e.name === "PayoutRecorded") {
              payouts.push({ at: now, amount: e.args.amount });
              if (e.args.proposer === ethers.ZeroAddress) expect(e.args.amount <= REDEMPTION_THRESHOLD, `paid out above the threshold alone: ${what}`).to.equal(true);
            }
            if (e.name === "ReservesAttested") {
              [lastAttested, asOf] = [e.args.amount, e.args.asOf];
              covered = available() >= supply;
            }
          }
          // supply only grows through the desk's issuance events
          const issuedNow = (receipt?.logs ?? []).some((l) => token.interface.parseLog(l)?.name === "Issued");
          if (supply > supplyBefore) expect(issuedNow, `supply grew without an issuance: ${what}`).to.equal(true);
          expect(await desk.availableReserves(), `available reserves after ${what}`).to.equal(available());
          // each officer's window: what it issued alone in the current hour and the 24 before it
          const hour = now / 3600n;
          for (const officer of [f.issuer.address, f.secondIssuer.address]) {
            const used = alone.filter((x) => x.officer === officer && x.at / 3600n >= hour - 24n).reduce((sum, x) => sum + x.amount, 0n);
            expect((await desk.officerAllowance(officer)).used, `window of ${officer} after ${what}`).to.equal(used);
          }
          if (covered) expect(supply <= available(), `supply ${supply} above the reserves after ${what}`).to.equal(true);
        }

        async function perform(a: Action, n: number) {
          const by = (i: number) => keys[i];
          switch (a.kind) {
            case "mint":
              return (await desk.connect(by(a.by)).mint(wallets[a.to].address, a.amount, ethers.id(`prop-${n % 7}`))).wait();
            case "propose":
              return (await desk.connect(by(a.by)).proposeIssuance(wallets[a.to].address, a.amount, ethers.id(`prop-${n % 7}`))).wait();
            case "approve":
            case "cancel": {
              const count = await desk.proposalCount();
              if (count === 0n) return null;
              const id = (BigInt(a.pick) % count) + 1n;
              return (await (a.kind === "approve" ? desk.connect(by(a.by)).approve(id) : desk.connect(by(a.by)).cancel(id))).wait();
            }
            case "transfer":
              return (await token.connect(wallets[a.from]).transfer(wallets[a.to].address, a.amount)).wait();
            case "freeze":
              return (await token.connect(f.compliance).freeze(wallets[a.who].address)).wait();
            case "unfreeze":
              return (await token.connect(f.compliance).unfreeze(wallets[a.who].address)).wait();
            case "suspend":
              return (await registry.connect(f.compliance).setStatus(ids[a.participant], 2)).wait();
            case "reinstate":
              return (await registry.connect(f.compliance).setStatus(ids[a.participant], 1)).wait();
            case "redeem":
              return (await token.connect(wallets[a.from]).requestRedemption(a.amount)).wait();
            case "complete":
            case "proposeCompletion":
            case "reject": {
              const count = await token.redemptionCount();
              if (count === 0n) return null;
              const id = (BigInt(a.pick) % count) + 1n;
              const d = desk.connect(by(a.by));
              if (a.kind === "complete") return (await d.completeRedemption(id)).wait();
              if (a.kind === "proposeCompletion") return (await d.proposeRedemptionCompletion(id)).wait();
              return (await d.rejectRedemption(id, ethers.id("prop-reject"))).wait();
            }
            case "attest": {
              const supply = await token.totalSupply();
              const reported = supply + a.delta > 0n ? supply + a.delta : 0n;
              // a cut-off up to backHours before now, but after the last one (the contract refuses others)
              const latest = BigInt(await time.latest()) + 1n;
              const cutOff = latest - BigInt(Math.min(a.backHours * 3600, Math.max(0, Number(latest - asOf) - 1)));
              return (await desk.connect(by(a.by)).attestReserves(reported, ethers.id(`report-${n}`), cutOff)).wait();
            }
            case "wait":
              await time.increase(a.hours * 3600);
              return null;
          }
        }

        async function seedIssuances() {
          const events = await desk.queryFilter(desk.filters.IssuedByOfficer());
          return Promise.all(events.map(async (e) => ({
            officer: e.args.officer, at: BigInt((await e.getBlock()).timestamp), amount: e.args.amount,
          })));
        }

        async function pendingFromRequests(): Promise<bigint> {
          let sum = 0n;
          const count = await token.redemptionCount();
          for (let id = 1n; id <= count; id++) {
            const r = await token.redemption(id);
            if (r.status === 1n) sum += r.amount;
          }
          return sum;
        }
      }),
      fcParameters(),
    );
  });
});

function isContractRevert(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /reverted with (custom error|reason|panic)|VM Exception/.test(message);
}

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
