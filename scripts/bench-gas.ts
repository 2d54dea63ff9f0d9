import hre from "hardhat";
import { deploySuite, CURRENCIES } from "../lib/suite";

async function main(): Promise<void> {
  const { ethers } = hre;
  const [admin, ops, alice, bob, carol] = await ethers.getSigners();
  const roles = { compliance: ops.address, issuer: ops.address, reserve: ops.address, pauser: ops.address, upgrader: ops.address };
  const { registry, tokens } = await deploySuite(hre, { admin, roles, currencies: [CURRENCIES.USD], adminDelay: 0 });
  const usd = tokens.USD.connect(ops);
  const expiry = Math.floor(Date.now() / 1000) + 365 * 86400;
  await registry.connect(ops).onboard(ethers.id("A"), [alice.address], expiry);
  await registry.connect(ops).onboard(ethers.id("B"), [bob.address, carol.address], expiry);
  await usd.attestReserves(10n ** 12n, ethers.id("r"));
  await usd.mint(alice.address, 10n ** 9n, ethers.id("d1"));
  await usd.mint(bob.address, 1n, ethers.id("d2"));
  const plain = await ethers.deployContract("PlainERC20");
  await plain.mint(alice.address, 10n ** 9n);
  await plain.mint(bob.address, 1n);
  const gas = async (p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => (await (await p).wait())!.gasUsed;
  const pHolder = await gas(plain.connect(alice).transfer(bob.address, 100n));
  const pNew = await gas(plain.connect(alice).transfer(carol.address, 100n));
  const tHolder = await gas(usd.connect(alice).transfer(bob.address, 100n));
  const tNew = await gas(usd.connect(alice).transfer(carol.address, 100n));
  console.log({ pHolder, pNew, tHolder, tNew, r1: Number(tHolder) / Number(pHolder), r2: Number(tNew) / Number(pNew) });
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
