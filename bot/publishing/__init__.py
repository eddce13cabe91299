"""The shared corpus: documents added and answers published, and this machine's files and index as its cache."""
