"""Vejviser's assistant, filed by noun; a floor imports only the floors below it (tests/test_layers.py).

    core        settings, errors, language: read by every other floor, reads none of them
    answering   a question in, quotes with citations or a routing out (the contract the eval drives)
    privacy     personal data found and replaced before anything is kept
    storage     the database, its tables and migrations, the audit log
    people      staff users, caseworkers, invites, API tokens, web sessions
    queue       requisitions: questions routed to the task force
    publishing  the shared corpus: added documents and published answers
    services    the composition root: builds the services above once, for every door
    channels    the doors: cli, web, telegram, and the server hosting web and Telegram
"""
