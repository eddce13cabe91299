"""Who may do what: staff users, caseworkers, second factors, sign-in throttling."""
