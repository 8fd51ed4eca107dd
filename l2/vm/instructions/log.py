"""
Log instructions
================

LOG0..LOG4 append an event (the executing address, up to four topics and a
memory region) to the frame's logs: 375 + 375 per topic + 8 per data byte,
plus memory expansion. Logging is a state change, so it is forbidden inside
a static call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..exceptions import WriteInStaticContext
from ..frame import Log
from ..gas import GAS_LOG, GAS_LOG_DATA, GAS_LOG_TOPIC, charge_gas, extend_memory
from ..memory import memory_read

if TYPE_CHECKING:
    from ..interpreter import Evm


def make_log(num_topics: int) -> Callable[[Evm], None]:
    """LOG<num_topics>."""

    def log_n(evm: Evm) -> None:
        # STACK
        stack = evm.stack
        memory_start_index = stack.pop()
        size = stack.pop()
        topics = tuple(stack.pop() for _ in range(num_topics))
        # GAS
        extension = extend_memory(len(evm.memory), memory_start_index, size)
        charge_gas(evm, GAS_LOG + GAS_LOG_DATA * size + GAS_LOG_TOPIC * num_topics + extension.cost)
        # OPERATION
        if extension.expand_by:
            evm.memory += bytes(extension.expand_by)
        if evm.message.is_static:
            raise WriteInStaticContext
        evm.logs.append(
            Log(evm.message.current_target, topics, memory_read(evm.memory, memory_start_index, size))
        )
        # PROGRAM COUNTER
        evm.pc += 1

    log_n.__name__ = log_n.__qualname__ = f"log{num_topics}"
    log_n.__doc__ = f"Emit an event with {num_topics} topic(s)."
    return log_n


LOG = {n: make_log(n) for n in range(5)}
log0, log1, log2, log3, log4 = (LOG[n] for n in range(5))
