# pragma version ~=0.4.3
"""
@title A scoreboard kept without hashed storage
@notice A title string and a stack of up to eight scores (each capped at one million), both laid
        out in consecutive storage slots (a length word, then the data), so reading and writing them
        never hashes a key; popping an empty stack or renaming to an empty title reverts.
"""

title: public(String[40])
scores: public(DynArray[uint256, 8])
best: public(uint256)


@deploy
def __init__(title: String[40]):
    self.title = title


@internal
def _bounded(score: uint256) -> uint256:
    return min(score, 10**6)


@external
def push(score: uint256) -> uint256:
    kept: uint256 = self._bounded(score)
    self.scores.append(kept)
    self.best = max(self.best, kept)
    return len(self.scores)


@external
def pop() -> uint256:
    return self.scores.pop()


@external
def rename(title: String[40]) -> String[40]:
    assert len(title) > 0, "empty title"
    old: String[40] = self.title
    self.title = title
    return old


@external
@view
def total() -> uint256:
    acc: uint256 = 0
    for s: uint256 in self.scores:
        acc += s
    return acc
