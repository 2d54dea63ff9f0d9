// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ISignedPayments} from "../interfaces/ISignedPayments.sol";
import {PermissionedToken} from "./PermissionedToken.sol";

/**
 * @title SignedPayments
 * @notice EIP-3009 payments by signature, their referenced variants, and netted batches of signed payment
 * instructions, for a permissioned token.
 * @dev Signatures are EIP-712 over the token's ERC-2612 domain (name, version "1", chain id, token address),
 * so a signature for another chain or token recovers another signer and is refused. ECDSA only (an EOA
 * signs); malleable high-s signatures are refused. Every movement passes the token's one `_update` rule; the
 * submitter of a transfer-type authorization or a batch is checked like a spender (allowed, not frozen).
 *
 * A batch checks everything before anything moves: each instruction (amount, reference, validity window,
 * nonce, signature) and each wallet taking part (allowed, not frozen), even one whose net is zero. Then only
 * the net amounts move, each net payer paying net payees in order through `_update`. Every instruction
 * still emits `ReferencedTransfer` and `AuthorizationUsed`, so each payee's back office sees each payment.
 *
 * No signed path pays a wallet to itself (`SelfPayment`): it would move nothing, and in a batch it would
 * settle whatever its size with no balance behind it. A batch whose gross value would pass 2^256 - 1 is
 * refused at the instruction that passes it (`AmountOverflow`); no wallet's debit or credit can then overflow.
 */
abstract contract SignedPayments is ISignedPayments, PermissionedToken {
    /// @notice EIP-3009 type hash of TransferWithAuthorization.
    // Type strings are hashed at compile time; their length costs nothing at run time.
    // solhint-disable gas-small-strings
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice EIP-3009 type hash of ReceiveWithAuthorization.
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice EIP-3009 type hash of CancelAuthorization.
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH = keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");
    /// @notice Type hash of a referenced payment anyone allowed may submit, alone or in a netted batch.
    bytes32 public constant TRANSFER_WITH_REFERENCE_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithReferenceAuthorization(address from,address to,uint256 value,bytes32 ref,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    // solhint-enable gas-small-strings

    /// @custom:storage-location erc7201:bankcash.storage.SignedPayments
    struct SignedPaymentsStorage {
        mapping(address authorizer => mapping(uint256 word => uint256 bits)) usedNonces;
    }

    // keccak256(abi.encode(uint256(keccak256("bankcash.storage.SignedPayments")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant SIGNED_PAYMENTS_STORAGE = 0xd4e32d50cd10401a0fd603cb1c3b21b6700a73e64c1fbd40f13f2d3e5c927100;

    /// @dev The wallets of a batch and what each pays (debit) and receives (credit) in total, in memory.
    struct Ledger {
        address[] wallets;
        uint256[] debit;
        uint256[] credit;
        uint256 count;
    }

    function _getSignedPaymentsStorage() private pure returns (SignedPaymentsStorage storage $) {
        // slither-disable-next-line assembly
        assembly {
            $.slot := SIGNED_PAYMENTS_STORAGE
        }
    }

    /// @inheritdoc ISignedPayments
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _requireSpender(msg.sender);
        _authorizedTransfer(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, v, r, s);
    }

    /// @inheritdoc ISignedPayments
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (msg.sender != to) revert CallerNotPayee(msg.sender, to);
        _authorizedTransfer(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, v, r, s);
    }

    /// @inheritdoc ISignedPayments
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        if (!_consumeNonce(authorizer, nonce)) revert AuthorizationAlreadyUsed(authorizer, nonce);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)));
        if (!_signedBy(authorizer, digest, v, r, s)) revert InvalidAuthorizationSignature(authorizer);
        emit AuthorizationCanceled(authorizer, nonce);
    }

    /// @inheritdoc ISignedPayments
    function transferWithReferenceAuthorization(SignedPayment calldata payment) external {
        _requireSpender(msg.sender);
        // The checks of a batch instruction, alone (no gross value before it).
        _revertIfRefused(_instructionRefusal(payment, _domainSeparatorV4(), 0));
        emit AuthorizationUsed(payment.from, payment.nonce);
        _transfer(payment.from, payment.to, payment.value);
        emit ReferencedTransfer(payment.from, payment.to, payment.value, payment.ref);
    }

    /// @inheritdoc ISignedPayments
    function settlePaymentBatch(SignedPayment[] calldata batch) external returns (uint256 grossValue, uint256 netValue) {
        uint256 n = batch.length;
        if (n == 0) revert EmptyBatch();
        // With every net zero nothing would reach `_update`, which is where a pause is refused.
        if (paused()) revert TokenPaused();
        _requireSpender(msg.sender);
        Ledger memory ledger = Ledger({
            wallets: new address[](2 * n),
            debit: new uint256[](2 * n),
            credit: new uint256[](2 * n),
            count: 0
        });
        // One domain separator for the whole batch: it is the same for every instruction.
        bytes32 domainSeparator = _domainSeparatorV4();
        for (uint256 i = 0; i < n; ++i) {
            SignedPayment calldata p = batch[i];
            bytes memory reason = _instructionRefusal(p, domainSeparator, grossValue);
            // An empty reason is the only "no refusal"; a validity window may have chosen the reason, not this test.
            // slither-disable-start incorrect-equality,timestamp
            if (reason.length == 0) reason = _post(ledger, p.from, p.value, true);
            if (reason.length == 0) reason = _post(ledger, p.to, p.value, false);
            if (reason.length != 0) revert PaymentInstructionRefused(i, reason);
            // slither-disable-end incorrect-equality,timestamp
            // `_instructionRefusal` refused a value that would pass the maximum.
            unchecked {
                grossValue += p.value;
            }
            emit AuthorizationUsed(p.from, p.nonce);
            emit ReferencedTransfer(p.from, p.to, p.value, p.ref);
        }
        netValue = _settleNet(ledger);
        emit PaymentBatchSettled(msg.sender, n, grossValue, netValue);
    }

    /// @inheritdoc ISignedPayments
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _isUsed(authorizer, nonce);
    }

    /// @dev An EIP-3009 transfer of the given type (TransferWithAuthorization or ReceiveWithAuthorization).
    function _authorizedTransfer(
        bytes32 typeHash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        if (from == to) revert SelfPayment(from);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(typeHash, from, to, value, validAfter, validBefore, nonce)));
        _useAuthorization(from, digest, validAfter, validBefore, nonce, v, r, s);
        _transfer(from, to, value);
    }

    /// @dev Checks an authorization over `digest` and uses its nonce, or reverts with the reason.
    function _useAuthorization(
        address authorizer,
        bytes32 digest,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        _revertIfRefused(_authorizationRefusal(authorizer, digest, validAfter, validBefore, nonce, v, r, s));
        emit AuthorizationUsed(authorizer, nonce);
    }

    /**
     * @dev Why a batch instruction cannot settle (ABI-encoded error), or empty; uses its nonce when it can.
     * `grossValue` is the sum of the instructions before it. Parties are checked in `_post`, except the two
     * refusals a single payment raises whatever the registry says: a payment to oneself, and one to the
     * token's own custody account (refused by `_update`, here named with the instruction). Nothing is
     * allocated on the way through: this runs once per instruction.
     */
    function _instructionRefusal(SignedPayment calldata p, bytes32 domainSeparator, uint256 grossValue)
        private
        returns (bytes memory reason)
    {
        uint256 value = p.value;
        if (value == 0) return abi.encodeWithSelector(ZeroAmount.selector);
        if (p.ref == bytes32(0)) return abi.encodeWithSelector(ReferenceMissing.selector);
        (address from, address to) = (p.from, p.to);
        if (from == to) return _refusal(SelfPayment.selector, from);
        if (to == address(this)) return _refusal(ERC20InvalidReceiver.selector, to);
        if (value > type(uint256).max - grossValue) return _refusal(AmountOverflow.selector, grossValue, value);
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, _referencedStructHash(p));
        reason = _authorizationRefusal(from, digest, p.validAfter, p.validBefore, p.nonce, p.v, p.r, p.s);
    }

    /**
     * @dev The one authorization rule: validity window, unused nonce, the authorizer's signature over `digest`.
     * Returns the reason it fails (ABI-encoded error) or nothing; the nonce is used once it passes that check,
     * so callers revert on any reason.
     */
    function _authorizationRefusal(
        address authorizer,
        bytes32 digest,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private returns (bytes memory reason) {
        // Validity windows are business hours and days; a validator's few seconds of leeway do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp <= validAfter) {
            return _refusal(AuthorizationNotYetValid.selector, validAfter, block.timestamp);
        }
        // slither-disable-next-line timestamp
        if (block.timestamp >= validBefore) {
            return _refusal(AuthorizationExpired.selector, validBefore, block.timestamp);
        }
        if (!_consumeNonce(authorizer, nonce)) {
            return _refusal(AuthorizationAlreadyUsed.selector, uint160(authorizer), uint256(nonce));
        }
        if (!_signedBy(authorizer, digest, v, r, s)) {
            return _refusal(InvalidAuthorizationSignature.selector, authorizer);
        }
    }

    /**
     * @dev Adds a debit or credit to a wallet's line of the ledger. A wallet new to the batch is checked
     * once, as a movement would check it: the reason it is refused, or empty. A line never passes the
     * batch's gross value, which `_instructionRefusal` keeps within range.
     */
    function _post(Ledger memory ledger, address wallet, uint256 value, bool isDebit)
        private
        view
        returns (bytes memory reason)
    {
        uint256 count = ledger.count;
        address[] memory wallets = ledger.wallets;
        uint256 j = 0;
        while (j < count && wallets[j] != wallet) ++j;
        if (j == count) {
            reason = _walletRefusal(wallet);
            if (reason.length != 0) return reason;
            wallets[j] = wallet;
            ledger.count = count + 1;
        }
        unchecked {
            if (isDebit) ledger.debit[j] += value;
            else ledger.credit[j] += value;
        }
    }

    /**
     * @dev Moves the net positions: every net payer must hold its net debit (checked before anything moves),
     * then pays the net payees in ledger order. Each net payee receives exactly its net credit; the sums match
     * because every instruction posted the same value on both sides.
     */
    function _settleNet(Ledger memory ledger) private returns (uint256 netValue) {
        uint256 count = ledger.count;
        (address[] memory wallets, uint256[] memory debit, uint256[] memory credit) =
            (ledger.wallets, ledger.debit, ledger.credit);
        for (uint256 j = 0; j < count; ++j) {
            if (debit[j] <= credit[j]) continue;
            uint256 owed = debit[j] - credit[j];
            uint256 held = balanceOf(wallets[j]);
            if (held < owed) revert NetPositionShortfall(wallets[j], held, owed);
            netValue += owed;
        }
        uint256 k = 0;
        for (uint256 j = 0; j < count; ++j) {
            if (debit[j] <= credit[j]) continue;
            uint256 owed = debit[j] - credit[j];
            while (owed != 0) {
                while (credit[k] <= debit[k]) ++k;
                uint256 due = credit[k] - debit[k];
                uint256 amount = owed < due ? owed : due;
                _update(wallets[j], wallets[k], amount);
                owed -= amount;
                debit[k] += amount;
            }
        }
    }

    /**
     * @dev The EIP-712 struct hash of a referenced payment: the type hash, then the instruction's first seven
     * words exactly as the calldata holds them (the fields of the signed type, in order), hashed in scratch
     * memory. Addresses with dirty upper bits cannot get here: reading `p.from` or `p.to` reverts on them.
     */
    function _referencedStructHash(SignedPayment calldata p) private pure returns (bytes32 structHash) {
        bytes32 typeHash = TRANSFER_WITH_REFERENCE_AUTHORIZATION_TYPEHASH;
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), p, 0xe0)
            structHash := keccak256(ptr, 0x100)
        }
    }

    /// @dev An EOA's signature over `digest`; OpenZeppelin's recovery refuses high-s and malformed signatures.
    function _signedBy(address signer, bytes32 digest, uint8 v, bytes32 r, bytes32 s) private pure returns (bool) {
        // The third value only details why recovery failed; any failure is refused the same way.
        // slither-disable-next-line unused-return
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, v, r, s);
        return error == ECDSA.RecoverError.NoError && recovered == signer;
    }

    /// @dev An ABI-encoded error whose arguments are two words.
    function _refusal(bytes4 selector, uint256 a, uint256 b) private pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, a, b);
    }

    function _isUsed(address authorizer, bytes32 nonce) private view returns (bool) {
        uint256 n = uint256(nonce);
        return _getSignedPaymentsStorage().usedNonces[authorizer][n >> 8] & (1 << (n & 0xff)) != 0;
    }

    /// @dev Marks a nonce used; false (and nothing written) if it already was.
    function _consumeNonce(address authorizer, bytes32 nonce) private returns (bool) {
        uint256 n = uint256(nonce);
        mapping(uint256 => uint256) storage words = _getSignedPaymentsStorage().usedNonces[authorizer];
        uint256 bits = words[n >> 8];
        uint256 bit = 1 << (n & 0xff);
        if (bits & bit != 0) return false;
        words[n >> 8] = bits | bit;
        return true;
    }
}
