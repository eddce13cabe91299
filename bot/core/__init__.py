"""What every floor of bot/ reads: the settings, the domain errors, the language of a text."""
