"""`vejviser eval`: the gold questions through the answering contract, scored, with a report."""
