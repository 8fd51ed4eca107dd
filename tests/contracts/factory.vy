# pragma version ~=0.4.3
"""
@title Deploys contracts from initcode with CREATE
@notice raw_create without a salt compiles to CREATE (with a salt it would
        be CREATE2, which this VM does not implement).
"""

event Deployed:
    child: indexed(address)

children: public(DynArray[address, 16])


@external
def deploy(initcode: Bytes[8192], supply: uint256) -> address:
    child: address = raw_create(initcode, supply)
    self.children.append(child)
    log Deployed(child=child)
    return child
