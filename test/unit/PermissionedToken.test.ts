import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenFixture } from "../fixtures";

describe("PermissionedToken initialization", function () {
  it("runs its internal initializer only while initializing", async function () {
    const { registry, admin } = await loadFixture(depositTokenFixture);
    const mock = await ethers.deployContract("PermissionedTokenInitMock");
    await mock.initialize(await registry.getAddress(), admin.address);
    expect(await mock.registry()).to.equal(await registry.getAddress());
    await expect(mock.initAgain(await registry.getAddress(), admin.address))
      .to.be.revertedWithCustomError(mock, "NotInitializing");
  });

  it("refuses a registry address with no code at initialization", async function () {
    const { admin, carol } = await loadFixture(depositTokenFixture);
    const mock = await ethers.deployContract("PermissionedTokenInitMock");
    await expect(mock.initialize(carol.address, admin.address))
      .to.be.revertedWithCustomError(mock, "InvalidRegistry").withArgs(carol.address);
  });
});
