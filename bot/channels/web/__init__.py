"""The web door: JSON API, coordinator dashboard and caseworker web chat (FastAPI, served by uvicorn).

Run it with `vejviser serve`; build the app in tests with `bot.channels.web.app.create_app(settings, services)`.
"""
