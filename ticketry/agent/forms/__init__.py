"""Forms of the agent interface, one module per area."""
