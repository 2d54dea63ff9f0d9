import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { revertData } from "../../lib/errors";
import { PaymentTerms, randomNonce, signPayment } from "../../lib/payments";
import { balancesOf, expectedChanges, paymentTerms, paymentsFixture, signAll } from "../helpers/payments";
import { fcParameters } from "./fcConfig";

const WALLETS = 5;
const FUNDS = 1_000_00n;

function fivePayers() {
  return paymentsFixture(WALLETS, FUNDS);
}

type Fault =
  | { kind: "none" }
  | { kind: "forged"; at: number }
  | { kind: "replayed"; at: number }
  | { kind: "frozen"; who: number }
  | { kind: "suspended"; who: number }
  | { kind: "outsider"; at: number };

/** An instruction between two of the wallets; the payee is counted on from the payer (0: the payer itself). */
function instruction(offset: fc.Arbitrary<number>, value: fc.Arbitrary<bigint>) {
  return fc.record({ from: fc.integer({ min: 0, max: WALLETS - 1 }), offset, value })
    .map(({ from, offset: o, value: v }) => ({ from, to: (from + o) % WALLETS, value: v }));
}
const anotherWallet = fc.integer({ min: 1, max: WALLETS - 1 });
// up to the whole of a wallet's funds: large batches also produce net payers short of balance
const funds = fc.bigInt({ min: 1n, max: FUNDS });
// most batches are ordinary payments; the others also hold payments of a wallet to itself, and values so large
// that two of them take the gross value past 2^256 - 1, which the token refuses naming the instruction
const batch = fc.oneof(
  { weight: 3, arbitrary: fc.array(instruction(anotherWallet, funds), { minLength: 1, maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.array(instruction(
      fc.oneof({ weight: 9, arbitrary: anotherWallet }, { weight: 1, arbitrary: fc.constant(0) }),
      fc.oneof({ weight: 2, arbitrary: funds }, { weight: 1, arbitrary: fc.bigInt({ min: ethers.MaxUint256 / 2n, max: ethers.MaxUint256 }) }),
    ), { minLength: 1, maxLength: 24 }),
  },
);
const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
  fc.record({ kind: fc.constant("forged" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replayed" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("frozen" as const), who: fc.integer({ min: 0, max: WALLETS - 1 }) }),
  fc.record({ kind: fc.constant("suspended" as const), who: fc.integer({ min: 0, max: WALLETS - 1 }) }),
  fc.record({ kind: fc.constant("outsider" as const), at: fc.nat() }),
);

/** The first instruction the token refuses on its own terms (payer = payee, gross past 2^256 - 1), and why. */
function termsRefusal(terms: readonly PaymentTerms[]): { index: number; error: string; values: unknown[] } | undefined {
  let gross = 0n;
  for (const [index, t] of terms.entries()) {
    if (t.from === t.to) return { index, error: "SelfPayment", values: [t.from] };
    if (t.value > ethers.MaxUint256 - gross) return { index, error: "AmountOverflow", values: [gross, t.value] };
    gross += t.value;
  }
  return undefined;
}

describe("Netted payment batches (property)", function () {
  it("move each wallet by exactly the sum of its signed obligations, keep the supply, and change nothing when refused, naming a self-payment or a gross value past 2^256 - 1", async function () {
    const outcomes = { settled: 0, refused: 0, SelfPayment: 0, AmountOverflow: 0 };
    await fc.assert(
      fc.asyncProperty(batch, fault, async (drawn, f0) => {
        const f = await loadFixture(fivePayers);
        const { token, registry, compliance, agent, wallets, domain, carol } = f;
        const addresses = wallets.map((w) => w.address);
        const terms = await Promise.all(drawn.map((d, i) =>
          paymentTerms(addresses[d.from], addresses[d.to], d.value, ethers.id(`P-${i}`), randomNonce())));
        const signed = await signAll(wallets, domain, terms);
        if (f0.kind === "forged") {
          const at = f0.at % signed.length;
          const other = wallets[(drawn[at].from + 1) % WALLETS];
          const forged = await signPayment(other, domain, terms[at]);
          signed[at] = { ...signed[at], v: forged.v, r: forged.r, s: forged.s };
        } else if (f0.kind === "replayed") {
          await token.connect(agent).transferWithReferenceAuthorization(signed[f0.at % signed.length]).catch(() => undefined);
        } else if (f0.kind === "frozen") {
          await token.connect(compliance).freeze(addresses[f0.who]);
        } else if (f0.kind === "suspended") {
          await registry.connect(compliance).setStatus(ethers.id(`participant-${f0.who}`), 2);
        } else if (f0.kind === "outsider") {
          const at = f0.at % signed.length;
          terms[at] = { ...terms[at], to: carol.address };
          signed[at] = await signPayment(wallets[drawn[at].from], domain, terms[at]);
        }
        const before = await balancesOf(token, [...addresses, carol.address]);
        const supply = await token.totalSupply();
        const used = await Promise.all(terms.map((t) => token.authorizationState(t.from, t.nonce)));
        const onTerms = termsRefusal(terms);
        let settled = true;
        let refusal: string | undefined;
        try {
          await (await token.connect(agent).settlePaymentBatch(signed)).wait();
        } catch (e) {
          if (!/reverted with custom error/.test(String(e))) throw e;
          settled = false;
          refusal = revertData(e);
        }
        const after = await balancesOf(token, [...addresses, carol.address]);
        expect(await token.totalSupply()).to.equal(supply);
        outcomes[settled ? "settled" : "refused"]++;
        if (settled) {
          expect(onTerms, "settled a self-payment or a gross value past 2^256 - 1").to.equal(undefined);
          const involved = new Set(drawn.flatMap((d) => [d.from, d.to]));
          const harmless = f0.kind === "none"
            || (f0.kind === "replayed" && used.every((u) => !u)) // the single submission was refused
            || ((f0.kind === "frozen" || f0.kind === "suspended") && !involved.has(f0.who));
          expect(harmless, `settled despite ${JSON.stringify(f0)}`).to.equal(true);
          const changes = after.map((b, i) => b - before[i]);
          expect(changes).to.deep.equal(expectedChanges(terms, [...addresses, carol.address]));
          for (const t of terms) expect(await token.authorizationState(t.from, t.nonce)).to.equal(true);
        } else {
          expect(after).to.deep.equal(before);
          const now = await Promise.all(terms.map((t) => token.authorizationState(t.from, t.nonce)));
          expect(now).to.deep.equal(used);
          if (onTerms) {
            // refused at that instruction and for that reason, unless the fault refused an earlier one
            const k = onTerms.index;
            const earlier = terms.slice(0, k).flatMap((t) => [t.from, t.to]);
            const faultedEarlier = ((f0.kind === "forged" || f0.kind === "outsider") && f0.at % signed.length < k)
              || used.slice(0, k).some((u) => u)
              || ((f0.kind === "frozen" || f0.kind === "suspended") && earlier.includes(addresses[f0.who]));
            if (!faultedEarlier) {
              const expected = token.interface.encodeErrorResult("PaymentInstructionRefused",
                [k, token.interface.encodeErrorResult(onTerms.error, onTerms.values)]);
              expect(refusal, `${onTerms.error} at instruction ${k}`).to.equal(expected);
              outcomes[onTerms.error as "SelfPayment" | "AmountOverflow"]++;
            }
          } else if (f0.kind === "none") {
            // an unfaulted batch is only refused when a net payer is short of its net debit
            const shortOf = expectedChanges(terms, addresses).some((change, i) => before[i] + change < 0n);
            expect(shortOf, "refused without a fault or a shortfall").to.equal(true);
          }
        }
      }),
      fcParameters(),
    );
    // the runs exercised both sides of the property
    expect(outcomes.settled, JSON.stringify(outcomes)).to.be.greaterThan(0);
    expect(outcomes.refused, JSON.stringify(outcomes)).to.be.greaterThan(0);
    expect(outcomes.SelfPayment, JSON.stringify(outcomes)).to.be.greaterThan(0);
    expect(outcomes.AmountOverflow, JSON.stringify(outcomes)).to.be.greaterThan(0);
  });
});
