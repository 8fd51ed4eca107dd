# pragma version ~=0.4.3
"""
@title A capped vault kept in plain uint256 storage
@notice Deposits add to a running total that may never exceed the cap set at deployment; only the
        owner withdraws. Sums, differences and products are Vyper's checked arithmetic, so an
        overflow or underflow reverts. No mapping, no event and no external call: every step the
        contract takes is one the execution circuit proves.
"""

owner: public(address)
cap: public(uint256)
total: public(uint256)
deposits: public(uint256)
recent: public(uint256[4])


@deploy
def __init__(cap: uint256):
    self.owner = msg.sender
    self.cap = cap


@external
def deposit(amount: uint256) -> uint256:
    assert amount > 0, "empty deposit"
    new_total: uint256 = self.total + amount
    assert new_total <= self.cap, "over the cap"
    self.total = new_total
    # the last four deposits, in a ring of four consecutive slots
    self.recent[self.deposits % 4] = amount
    self.deposits += 1
    return new_total


@external
def withdraw(amount: uint256) -> uint256:
    assert msg.sender == self.owner, "not the owner"
    self.total -= amount
    return self.total


@external
@view
def scaled(factor: uint256, divisor: uint256) -> uint256:
    return self.total * factor // divisor


@external
@pure
def checksum(data: Bytes[64], words: DynArray[uint256, 4]) -> (uint256, Bytes[64]):
    # rotate left by 16 bits, then mix in the next word; starts from the byte length
    acc: uint256 = len(data)
    for w: uint256 in words:
        acc = ((acc << 16) | (acc >> 240)) ^ w
    return acc, data
