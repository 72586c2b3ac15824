"""Portal pages of the registers."""
