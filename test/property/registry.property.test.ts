import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistry } from "../../lib/suite";
import { fcParameters } from "./fcConfig";

const PARTICIPANTS = 3;
const WALLETS = 5;
const Status = { None: 0n, Active: 1n, Suspended: 2n, Revoked: 3n };

async function registryFixture() {
  const [admin, compliance] = await ethers.getSigners();
  const registry = await deployRegistry(hre, admin, 0);
  await registry.grantRole(await registry.COMPLIANCE_ROLE(), compliance.address);
  return { registry: registry.connect(compliance) };
}

type Step =
  | { kind: "onboard"; p: number; wallets: number[]; days: number }
  | { kind: "link"; p: number; w: number }
  | { kind: "unlink"; w: number }
  | { kind: "status"; p: number; status: 1 | 2 | 3 }
  | { kind: "renew"; p: number; days: number }
  | { kind: "wait"; days: number };

const participant = fc.integer({ min: 0, max: PARTICIPANTS - 1 });
const wallet = fc.integer({ min: 0, max: WALLETS - 1 });
const days = fc.integer({ min: 1, max: 60 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("onboard" as const), p: participant, wallets: fc.uniqueArray(wallet, { maxLength: 3 }), days }),
  fc.record({ kind: fc.constant("link" as const), p: participant, w: wallet }),
  fc.record({ kind: fc.constant("unlink" as const), w: wallet }),
  fc.record({ kind: fc.constant("status" as const), p: participant, status: fc.constantFrom(1 as const, 2 as const, 3 as const) }),
  fc.record({ kind: fc.constant("renew" as const), p: participant, days }),
  fc.record({ kind: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 40 }) }),
);

async function apply(registry: Awaited<ReturnType<typeof registryFixture>>["registry"], s: Step, ids: string[], addresses: string[]): Promise<void> {
  const now = await time.latest();
  if (s.kind === "wait") return void (await time.increase(s.days * 86400));
  const tx = s.kind === "onboard" ? registry.onboard(ids[s.p], s.wallets.map((w) => addresses[w]), now + s.days * 86400)
    : s.kind === "link" ? registry.linkWallet(ids[s.p], addresses[s.w])
      : s.kind === "unlink" ? registry.unlinkWallet(addresses[s.w])
        : s.kind === "status" ? registry.setStatus(ids[s.p], s.status)
          : registry.renewKyc(ids[s.p], now + s.days * 86400);
  await (await tx).wait();
}

describe("ParticipantRegistry (property)", function () {
  it("answers for every wallet exactly what its participant's record says (linked, Active, KYC not expired), whatever compliance does in whatever order", async function () {
    const ids = Array.from({ length: PARTICIPANTS }, (_, i) => ethers.id(`property-participant-${i}`));
    const addresses = Array.from({ length: WALLETS }, (_, i) => ethers.getAddress(ethers.toBeHex(0xa000 + i, 20)));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const { registry } = await loadFixture(registryFixture);
        for (const s of steps) {
          // Refused steps (an existing id, a linked wallet, a revoked participant, an unchanged status...) change nothing.
          await apply(registry, s, ids, addresses).catch(() => undefined);
          const at = BigInt(await time.latest());
          for (const address of addresses) {
            const id = await registry.participantOf(address);
            let expected = false;
            if (id !== ethers.ZeroHash) {
              const [status, kycExpiry] = await registry.getParticipant(id);
              expected = status === Status.Active && at < kycExpiry;
            }
            expect(await registry.isAllowed(address), `${address} after ${JSON.stringify(s)}`).to.equal(expected);
          }
          const [first, second] = [addresses[0], addresses[1]];
          expect(await registry.areAllowed(first, second)).to.deep.equal([await registry.isAllowed(first), await registry.isAllowed(second)]);
        }
      }),
      fcParameters(),
    );
  });
});
