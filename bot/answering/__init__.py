"""The answering contract: a question in, quotes from the documents with citations (or a routing) out."""
