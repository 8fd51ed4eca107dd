"""
EVM instructions
================

One function per opcode, grouped by family as in the Ethereum execution
specs. Each function takes the running :class:`~l2.vm.interpreter.Evm` frame
and has four sections:

* ``# STACK`` pops its operands (top of stack first);
* ``# GAS`` charges its cost, including memory expansion;
* ``# OPERATION`` does the work and pushes results;
* ``# PROGRAM COUNTER`` moves ``pc``.

The interpreter checks stack depth against :data:`l2.vm.opcodes.STACK_IO`
before calling a function, so the functions pop without checking.
"""
