"""Listing the files of a file system (The Sleuth Kit) or of a folder, metadata only,
and reopening one of them by its address to read its content."""
