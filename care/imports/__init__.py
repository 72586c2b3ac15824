"""Import and export of members and hardship entries (xlsx, CSV in UTF-8 or GBK)."""
