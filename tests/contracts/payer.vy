# pragma version ~=0.4.3
"""
@title Pays out of its own token balance through external calls
@notice Calls a token contract (CALL for transfer, STATICCALL for balanceOf)
        and keeps a count of payments; held() only reads its token balance.
"""

interface Token:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def balanceOf(owner: address) -> uint256: view

payments: public(uint256)


@external
def pay(token: address, receiver: address, amount: uint256) -> uint256:
    assert extcall Token(token).transfer(receiver, amount)
    self.payments += 1
    return staticcall Token(token).balanceOf(self)


@external
def try_pay(token: address, receiver: address, amount: uint256) -> bool:
    ok: bool = False
    response: Bytes[32] = b""
    ok, response = raw_call(
        token,
        abi_encode(receiver, amount, method_id=method_id("transfer(address,uint256)")),
        max_outsize=32,
        revert_on_failure=False,
    )
    if ok:
        self.payments += 1
    return ok


@external
@view
def held(token: address) -> uint256:
    return staticcall Token(token).balanceOf(self)
