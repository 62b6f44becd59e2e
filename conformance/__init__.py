"""The conformance suite: one set of tests, the implementation a parameter."""
