"""`vejviser`: the command line (main.py), its operator commands and its client of a running service."""
