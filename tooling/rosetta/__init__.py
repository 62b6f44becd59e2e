"""Tooling shared by the `rosetta` command, the conformance suite and the benchmarks.

registry   the implementations, discovered through the `rosetta.implementations`
           entry point group
database   where PostgreSQL comes from (DATABASE_URL, ROSETTA_ADMIN_URL or an embedded
           server), creating databases, applying `db/`
embedded   the embedded PostgreSQL server
ports      free ports, and whether one can be listened on
servers    starting an implementation under a real server and stopping it
bench      `rosetta bench`: the same workload through every implementation, measured
cli        the `rosetta` command
"""
