"""The doors: the command line, the web app and the Telegram bot, and the server hosting web and Telegram."""
