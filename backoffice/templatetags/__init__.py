"""Template tags of the back-office, one module per area."""
