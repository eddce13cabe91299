"""Storage: the database handle, the tables and their migrations, the audit log, the private data dir."""
