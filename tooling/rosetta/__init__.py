"""Tooling shared by the `rosetta` command, the conformance suite and the benchmarks.

registry   the implementations, discovered through the `rosetta.implementations`
           entry point group
database   embedded PostgreSQL, creating databases, applying `db/`
servers    starting an implementation under a real server and stopping it
bench      `rosetta bench`: the same workload through every implementation, measured
cli        the `rosetta` command
"""
