// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only hostile token: asked whether a wallet is frozen, it burns all the gas it is given, as
/// a question starved of gas would fail. The escrow must not read that failure as "no such function".
contract GasBurningToken is ERC20 {
    constructor() ERC20("Burner", "BRN") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Never answers: loops until the call runs out of gas. Each round reads the balance of an account
    /// not touched before (2,600 gas, EIP-2929), so the gas runs out within a few thousand steps, not millions:
    /// a node that traces the call (Hardhat's does, for its stack traces) stays quick.
    function isFrozen(address) external view returns (bool frozen) {
        uint256 spins = block.number;
        uint256 seen;
        while (spins != 0) {
            seen += address(uint160(spins)).balance;
            spins = spins + 1 == 0 ? 1 : spins + 1;
        }
        frozen = seen == 0;
    }
}
