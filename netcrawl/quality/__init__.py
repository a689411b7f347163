"""Dataset quality: validation of field values, duplicate detection and merging, fill rates."""
