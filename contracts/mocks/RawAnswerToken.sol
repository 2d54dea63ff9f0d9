// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only token whose `isFrozen` answers with whatever raw bytes were set, whatever the wallet:
/// a non-boolean word, a short or a long answer. The escrow must read only a 32-byte boolean as an answer.
contract RawAnswerToken is ERC20 {
    bytes private _answer;

    constructor() ERC20("Raw", "RAW") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the bytes `isFrozen` returns.
    /// @param answer The raw return data.
    function setAnswer(bytes calldata answer) external {
        _answer = answer;
    }

    /// @notice Returns the bytes set with `setAnswer`, not an ABI-encoded boolean.
    /// @return Never set: the function returns the raw bytes itself.
    function isFrozen(address) external view returns (bool) {
        bytes memory answer = _answer;
        assembly {
            return(add(answer, 0x20), mload(answer))
        }
    }
}
