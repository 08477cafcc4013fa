"""The benchmark workloads, each a function returning measurements."""
