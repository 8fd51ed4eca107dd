"""The execution circuit: an AIR over recorded EVM runs (one call frame), its trace layout, witness
generation and the list of opcodes it proves.  See :mod:`circuits.vm.air` for the statement."""
