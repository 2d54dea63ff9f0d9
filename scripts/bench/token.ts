import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { benchSuite } from "./suite";
import { GasRow, gasOf, refusedGasOf } from "./gasTable";

/**
 * Gas of the deposit token's operations on the in-process network (berlin, proxies and registry
 * included), beside a plain OpenZeppelin ERC-20 (contracts/mocks/PlainERC20.sol) measured in the same run.
 * "to a holder": the recipient already holds a balance; "to a new holder": its balance was zero.
 */
export async function measureTokenGas(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const [, , alice, bob, ...fresh] = signers;
  const { suite: { registry, tokens }, desk, ops, secondIssuer, reserve } = await benchSuite(hre);
  const usd = tokens.USD;
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  await (await registry.connect(ops).onboard(ethers.id("bench-A"), [alice.address], expiry)).wait();
  await (await registry.connect(ops).onboard(ethers.id("bench-B"), [bob.address, ...fresh.slice(0, 6).map((s) => s.address)], expiry)).wait();
  await (await desk.mint(alice.address, 10n ** 12n, ethers.id("bench-seed-a"))).wait();
  await (await desk.mint(bob.address, 1n, ethers.id("bench-seed-b"))).wait();

  const plain = await ethers.deployContract("PlainERC20");
  await (await plain.mint(alice.address, 10n ** 12n)).wait();
  await (await plain.mint(bob.address, 1n)).wait();
  // Warm-up so every measured call finds the same storage state (nonces, allowances already non-zero etc.).
  const plainHolder = await gasOf(plain.connect(alice).transfer(bob.address, 100n));
  const plainNew = await gasOf(plain.connect(alice).transfer(fresh[0].address, 100n));
  const toHolder = { label: "plain ERC20 transfer to a holder", gas: plainHolder };
  const toNew = { label: "plain ERC20 transfer to a new holder", gas: plainNew };

  const a = usd.connect(alice);
  const ref = ethers.id("INV-0001");
  const rows: GasRow[] = [
    { operation: "transfer to a holder", gas: await gasOf(a.transfer(bob.address, 100n)), baseline: toHolder },
    { operation: "transfer to a new holder", gas: await gasOf(a.transfer(fresh[1].address, 100n)), baseline: toNew },
    { operation: "transferWithReference to a holder", gas: await gasOf(a.transferWithReference(bob.address, 100n, ref)), baseline: toHolder },
    { operation: "transferWithReference to a new holder", gas: await gasOf(a.transferWithReference(fresh[2].address, 100n, ref)), baseline: toNew },
    { operation: "mint to a holder (one officer, IssuanceDesk)", gas: await gasOf(desk.mint(bob.address, 100n, ethers.id("bench-mint-1"))), baseline: toHolder },
    { operation: "mint to a new holder (one officer)", gas: await gasOf(desk.mint(fresh[3].address, 100n, ethers.id("bench-mint-2"))), baseline: toNew },
  ];
  // Dual control: one officer proposes, a second approves (the mint happens in the approval).
  const proposeGas = await gasOf(desk.proposeIssuance(bob.address, 100n, ethers.id("bench-mint-3")));
  const approveGas = await gasOf(desk.connect(secondIssuer).approve(await desk.proposalCount()));
  rows.push({ operation: "proposeIssuance (dual control)", gas: proposeGas, baseline: toHolder });
  rows.push({ operation: "approve: second officer, mint to a holder", gas: approveGas, baseline: toHolder });
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  rows.push({ operation: "attestReserves (as of a cut-off)", gas: await gasOf(desk.connect(reserve).attestReserves(10n ** 15n, ethers.id("bench-report-2"), now)), baseline: toHolder });
  // first request writes a new redemption record; the held balance of the token then already exists
  await (await a.requestRedemption(100n)).wait();
  rows.push({ operation: "requestRedemption", gas: await gasOf(a.requestRedemption(100n)), baseline: toHolder });
  rows.push({ operation: "completeRedemption (one officer, payout recorded)", gas: await gasOf(desk.completeRedemption(2n)), baseline: toHolder });

  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: await usd.name(), version: "1", chainId, verifyingContract: await usd.getAddress() };
  const types = { Permit: [
    { name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" },
  ] };
  const deadline = expiry;
  const sig = ethers.Signature.from(await alice.signTypedData(domain, types,
    { owner: alice.address, spender: bob.address, value: 5000n, nonce: await usd.nonces(alice.address), deadline }));
  rows.push({ operation: "permit (first allowance)", gas: await gasOf(usd.connect(bob).permit(alice.address, bob.address, 5000n, deadline, sig.v, sig.r, sig.s)), baseline: toHolder });
  rows.push({ operation: "transferFrom to a holder", gas: await gasOf(usd.connect(bob).transferFrom(alice.address, bob.address, 100n)), baseline: toHolder });

  // The rules still run on the cheaper path: the same transfer to a holder, refused, mined as it is.
  const refused = (error: string, send: (o: { gasLimit: bigint }) => Promise<unknown>) => refusedGasOf(hre, usd.interface, error, send);
  const ours = { label: "transfer to a holder (same run)", gas: rows[0].gas };
  await (await usd.connect(ops).freeze(bob.address)).wait();
  rows.push({ operation: "transfer refused: receiver frozen (WalletFrozen)", gas: await refused("WalletFrozen", (o) => a.transfer(bob.address, 100n, o)), baseline: ours });
  await (await usd.connect(ops).unfreeze(bob.address)).wait();
  await (await registry.connect(ops).setStatus(ethers.id("bench-B"), 2)).wait();
  rows.push({ operation: "transfer refused: receiver's participant suspended (ParticipantNotAllowed)", gas: await refused("ParticipantNotAllowed", (o) => a.transfer(bob.address, 100n, o)), baseline: ours });
  await (await registry.connect(ops).setStatus(ethers.id("bench-B"), 1)).wait();
  await (await registry.connect(ops).setStatus(ethers.id("bench-A"), 2)).wait();
  rows.push({ operation: "transfer refused: sender's participant suspended (ParticipantNotAllowed)", gas: await refused("ParticipantNotAllowed", (o) => a.transfer(bob.address, 100n, o)), baseline: ours });
  await (await registry.connect(ops).setStatus(ethers.id("bench-A"), 1)).wait();
  return rows;
}
