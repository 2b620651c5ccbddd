"""Who the caller is: people who sign in, partner API keys, and the tokens the gateway issues.

:class:`sela_gateway.auth.middleware.AuthenticationMiddleware` wraps the app that mounts
:data:`sela_gateway.auth.endpoints.router`; that app keeps the gateway's
:class:`sela_kit.db.Database` as ``app.state.database`` and starts and closes the
:class:`sela_gateway.auth.authenticator.Authenticator` with its lifespan. This package imports
nothing itself, so the migrations environment can load the models alone.
"""
