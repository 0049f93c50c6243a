"""Media handling: photo processing and content-addressed storage."""
