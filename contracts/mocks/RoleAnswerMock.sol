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

    function hasRole(bytes32, address) external view returns (bool) {
        Answer a = answer;
        if (a == Answer.Revert) revert RoleAnswerRefused();
        if (a == Answer.Short) {
            assembly ("memory-safe") {
                mstore(0, 1)
                return(31, 1)
            }
        }
        if (a == Answer.NotBool) {
            assembly ("memory-safe") {
                mstore(0, 2)
                return(0, 32)
            }
        }
        return a == Answer.Yes;
    }
}
