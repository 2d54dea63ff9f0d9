// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @dev Test-only: answers `hasRole` (any call) as told: no, yes, a revert, a short answer or a non-boolean.
contract RoleAnswerMock {
    enum Answer {
        No,
        Yes,
        Revert,
        Short,
        NotBool
    }

    Answer public answer;

    error RoleAnswerRefused();

    function setAnswer(Answer a) external {
        answer = a;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        Answer a = answer;
        if (a == Answer.Revert) revert RoleAnswerRefused();
        if (a == Answer.Short) return hex"01";
        if (a == Answer.NotBool) return abi.encode(uint256(2));
        return abi.encode(a == Answer.Yes);
    }
}
