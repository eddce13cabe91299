"""Personal data (CPR numbers, phones, e-mails, addresses, names) found and replaced before anything is kept."""
