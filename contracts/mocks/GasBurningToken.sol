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

    /// @notice Never answers: loops until the call runs out of gas.
    function isFrozen(address) external view returns (bool frozen) {
        uint256 spins = block.number;
        while (spins != 0) {
            spins = spins + 1 == 0 ? 1 : spins + 1;
        }
        frozen = spins == 0;
    }
}
