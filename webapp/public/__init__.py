"""What anyone may read without signing in: warnings and tips, sampling results, merchants' public records."""
